"""Publishing with API tokens (twine's `__token__` convention): scoped, revocable, expiring."""

from datetime import UTC, datetime, timedelta

import pytest
from helpers import Client, legacy_post, make_index, twine_upload

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"


def _issue(client, *indexes, **extra):
    response = client.post(
        "teamindex/tokens/",
        json={
            "name": "ci",
            "repositories": [i["repository"]["pulp_href"] for i in indexes],
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def _as_token(pulp, token):
    return Client(pulp, "__token__", token["token"])


@pytest.fixture
def other_index(admin):
    yield (created := make_index(admin))
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


def test_token_publishes_and_is_stored_only_as_a_digest(pulp, corpus, index, publisher):
    token = _issue(publisher, index)
    assert token["token"].startswith(token["prefix"])
    assert token["user"] == "publisher"
    result = twine_upload(index, _as_token(pulp, token), corpus / WHEEL)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = publisher.get(token["pulp_href"]).json()
    assert listed["token"] is None
    assert listed["last_used_at"] is not None
    assert token["token"] not in publisher.get("teamindex/tokens/").text


def test_token_of_one_index_is_refused_on_another(pulp, corpus, index, other_index, publisher):
    token = _issue(publisher, other_index)
    result = twine_upload(index, _as_token(pulp, token), corpus / WHEEL)
    assert result.returncode != 0
    assert "403" in result.stdout + result.stderr


def test_revoked_token_is_refused(pulp, corpus, index, publisher):
    token = _issue(publisher, index)
    revoked = publisher.post(token["pulp_href"] + "revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    response = legacy_post(
        index, ("__token__", token["token"]), WHEEL, (corpus / WHEEL).read_bytes()
    )
    assert response.status_code == 401
    assert "revoked" in response.text


def test_expired_token_is_refused(pulp, corpus, index, publisher):
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    token = _issue(publisher, index, expires_at=past)
    response = legacy_post(
        index, ("__token__", token["token"]), WHEEL, (corpus / WHEEL).read_bytes()
    )
    assert response.status_code == 401
    assert "expired" in response.text


def test_unknown_token_is_refused(index, corpus):
    response = legacy_post(
        index, ("__token__", "pti_not-a-real-token"), WHEEL, (corpus / WHEEL).read_bytes()
    )
    assert response.status_code == 401


def test_token_of_a_non_publisher_is_refused(pulp, corpus, index, admin):
    token = _issue(admin, index)
    assert token["user"] == "admin"
    response = legacy_post(
        index, ("__token__", token["token"]), WHEEL, (corpus / WHEEL).read_bytes()
    )
    assert response.status_code == 403


def test_admin_issues_tokens_for_the_service_account(pulp, corpus, index, admin, publisher):
    token = _issue(admin, index, user="publisher")
    assert twine_upload(index, _as_token(pulp, token), corpus / WHEEL).returncode == 0
    mine = publisher.get("teamindex/tokens/").json()
    assert token["pulp_href"] in [t["pulp_href"] for t in mine["results"]]


def test_users_cannot_issue_tokens_for_others(index, publisher):
    response = publisher.post(
        "teamindex/tokens/",
        json={"name": "x", "user": "admin", "repositories": [index["repository"]["pulp_href"]]},
    )
    assert response.status_code == 403
