"""No dependency confusion between indexes: a project name belongs to one index, by PEP 752
namespace grant or by first publication."""

import uuid

from distgen import wheel
from helpers import guard_index, legacy_post, make_index, twine_upload

WHEEL = "synth_p00002-1.0.0-py3-none-any.whl"


def _upload(index, user, corpus, name=WHEEL):
    return legacy_post(index, (user.username, user.password), name, (corpus / name).read_bytes())


def test_first_publisher_owns_a_name(admin, publisher, corpus, index):
    other = make_index(admin)
    try:
        assert _upload(index, publisher, corpus).status_code == 200
        refused = _upload(other, publisher, corpus)
        assert refused.status_code == 409
        assert index["name"] in refused.text
        rest = publisher.post(
            "content/teamindex/packages/",
            data={"repository": other["repository"]["pulp_href"]},
            files={"file": (WHEEL, (corpus / WHEEL).read_bytes())},
        )
        assert rest.status_code == 409
        # promotion from the owner is how a name reaches a second index
        publisher.ok(
            publisher.post(
                other["repository"]["pulp_href"] + "promote/",
                json={"source": index["repository"]["pulp_href"], "project": "synth-p00002"},
            )
        )
    finally:
        admin.ok(admin.delete(other["repository"]["pulp_href"]))


def test_namespace_reserves_a_prefix(admin, publisher, corpus, index):
    other = make_index(admin)
    grant = admin.post(
        "teamindex/namespaces/",
        json={"prefix": "Synth", "repository": other["repository"]["pulp_href"]},
    )
    assert grant.status_code == 201, grant.text
    assert grant.json()["prefix"] == "synth"
    try:
        refused = _upload(index, publisher, corpus)
        assert refused.status_code == 409
        assert "namespace 'synth'" in refused.text
        assert twine_upload(other, publisher, corpus / WHEEL).returncode == 0

        overlapping = admin.post(
            "teamindex/namespaces/",
            json={"prefix": "synth-p00002", "repository": index["repository"]["pulp_href"]},
        )
        assert overlapping.status_code == 400
        assert "overlap" in overlapping.text
        by_publisher = publisher.post(
            "teamindex/namespaces/",
            json={"prefix": "other", "repository": index["repository"]["pulp_href"]},
        )
        assert by_publisher.status_code == 403
    finally:
        admin.delete(grant.json()["pulp_href"])
        admin.ok(admin.delete(other["repository"]["pulp_href"]))


def test_a_namespace_cannot_take_names_another_index_owns(admin, publisher, corpus, index):
    assert _upload(index, publisher, corpus).status_code == 200
    other = make_index(admin)
    try:
        response = admin.post(
            "teamindex/namespaces/",
            json={"prefix": "synth", "repository": other["repository"]["pulp_href"]},
        )
        assert response.status_code == 409
        assert "synth-p00002" in response.text
    finally:
        admin.ok(admin.delete(other["repository"]["pulp_href"]))


def _bare_upload(publisher, path):
    """A unit in no index yet (the deployment's publisher may make them)."""
    task = publisher.ok(
        publisher.post(
            "content/teamindex/packages/", files={"file": (path.name, path.read_bytes())}
        )
    )
    [unit] = [href for href in task["created_resources"] if "/content/" in href]
    return unit


def test_modify_claims_names_like_an_upload(admin, publisher, corpus, index, tmp_path):
    """Files of a name another index owns enter only as its owner's bytes; a new name brought
    in by modify belongs to the index it entered, as after an upload."""
    other = make_index(admin)
    modify = other["repository"]["pulp_href"] + "modify/"
    try:
        assert _upload(index, publisher, corpus).status_code == 200
        foreign = _bare_upload(publisher, corpus / "synth_p00002-1.1.0-py3-none-any.whl")
        refused = publisher.post(modify, json={"add_content_units": [foreign]})
        assert refused.status_code == 409
        assert f"belongs to index {index['name']!r}" in refused.text
        base = admin.get(index["repository"]["pulp_href"]).json()["latest_version_href"]
        publisher.ok(publisher.post(modify, json={"base_version": base}))  # the owner's bytes

        name = f"fresh-{uuid.uuid4().hex[:8]}"
        brought = _bare_upload(publisher, wheel(tmp_path, name, "1.0"))
        publisher.ok(publisher.post(modify, json={"add_content_units": [brought]}))
        taken = _upload(index, publisher, tmp_path, wheel(tmp_path, name, "2.0").name)
        assert taken.status_code == 409
        assert other["name"] in taken.text
    finally:
        admin.ok(admin.delete(other["repository"]["pulp_href"]))


def test_a_refusal_names_a_private_owner_to_nobody(admin, publisher, index, tmp_path):
    """Another team's publisher learns that the name is taken (it cannot be published), but
    not which private index owns it, by an upload or by a REST upload."""
    private = make_index(admin)
    guard = guard_index(admin, private, [publisher.username])
    name = f"secret-{uuid.uuid4().hex[:8]}"
    try:
        assert (
            _upload(private, publisher, tmp_path, wheel(tmp_path, name, "1.0").name).status_code
            == 200
        )
        later = wheel(tmp_path, name, "2.0")
        refused = _upload(index, publisher, tmp_path, later.name)
        rest = publisher.post(
            "content/teamindex/packages/",
            data={"repository": index["repository"]["pulp_href"]},
            files={"file": (later.name, later.read_bytes())},
        )
        for answer in (refused, rest):
            assert answer.status_code == 409, answer.text
            assert f"Project '{name}' belongs to another index" in answer.text
            assert private["name"] not in answer.text
            assert private["distribution"]["base_path"] not in answer.text
    finally:
        admin.ok(admin.delete(private["repository"]["pulp_href"]))
        admin.delete(guard["pulp_href"])
