"""Only the publishing authority publishes: through twine, REST upload and repository modify."""

import requests
from helpers import Client, fold, legacy_post, twine_upload

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"


def _files(index, admin):
    latest = fold(admin, index)
    found = admin.get("content/teamindex/packages/", params={"repository_version": latest})
    return [p["filename"] for p in found.json()["results"]]


def test_anonymous_upload_gets_a_basic_challenge(corpus, index):
    response = legacy_post(index, None, WHEEL, (corpus / WHEEL).read_bytes())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_wrong_password_is_401(corpus, index, pulp):
    response = legacy_post(
        index, ("publisher", "not-the-password"), WHEEL, (corpus / WHEEL).read_bytes()
    )
    assert response.status_code == 401


def test_superuser_is_not_a_publisher(corpus, index, admin):
    result = twine_upload(index, admin, corpus / WHEEL)
    assert result.returncode != 0
    assert "403" in result.stdout + result.stderr
    assert _files(index, admin) == []


def test_publisher_can_publish(corpus, index, publisher, admin):
    result = twine_upload(index, publisher, corpus / WHEEL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _files(index, admin) == [WHEEL]


def test_per_index_publisher_overrides_the_setting(corpus, index, admin, publisher, pulp):
    user = admin.post("users/", json={"username": "ci-team-x", "password": "S3cret-pass-42!"})
    assert user.status_code == 201, user.text
    try:
        admin.ok(admin.patch(index["repository"]["pulp_href"], json={"publisher": "ci-team-x"}))
        team_ci = Client(pulp, "ci-team-x", "S3cret-pass-42!")
        assert twine_upload(index, publisher, corpus / WHEEL).returncode != 0
        result = twine_upload(index, team_ci, corpus / WHEEL)
        assert result.returncode == 0, result.stdout + result.stderr
        assert _files(index, admin) == [WHEEL]
    finally:
        admin.delete(user.json()["pulp_href"])


def test_rest_upload_is_gated_and_publishes(corpus, index, admin, publisher):
    repo = index["repository"]["pulp_href"]
    refused = admin.post(
        "content/teamindex/packages/",
        data={"repository": repo},
        files={"file": (WHEEL, (corpus / WHEEL).read_bytes())},
    )
    assert refused.status_code == 403
    task = publisher.ok(
        publisher.post(
            "content/teamindex/packages/",
            data={"repository": repo},
            files={"file": (WHEEL, (corpus / WHEEL).read_bytes())},
        )
    )
    assert any("/versions/1/" in href for href in task["created_resources"])
    assert _files(index, admin) == [WHEEL]
    page = requests.get(index["distribution"]["index_url"] + "synth-p00000/", timeout=30)
    assert WHEEL in page.text


def test_repository_modify_is_gated(corpus, index, admin, publisher):
    assert twine_upload(index, publisher, corpus / WHEEL).returncode == 0
    unit = admin.get("content/teamindex/packages/", params={"filename": WHEEL}).json()
    href = unit["results"][0]["pulp_href"]
    modify = index["repository"]["pulp_href"] + "modify/"
    assert admin.post(modify, json={"remove_content_units": [href]}).status_code == 403
    publisher.ok(publisher.post(modify, json={"remove_content_units": [href]}))
    assert _files(index, admin) == []
