"""What admins and maintainers do with an index over its life: create and delete it in one
call, remove files, roll back, pin, promote between indexes."""

import requests
from helpers import fold, make_index, pip, twine_upload

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def wheel(corpus, project=0, version="1.0.0"):
    return corpus / f"synth_p{project:05d}-{version}-py3-none-any.whl"


def served(index, project="synth-p00000"):
    page = requests.get(
        index["distribution"]["index_url"] + project + "/", headers=JSON, timeout=30
    )
    return sorted(f["filename"] for f in page.json()["files"]) if page.status_code == 200 else []


def test_one_call_creates_a_working_index_and_one_call_deletes_it(pulp, admin, corpus, publisher):
    created = make_index(
        admin, description="team A", pulp_labels={"team": "a"}, base_path="teams/a-" + "x"
    )
    repo, dist = created["repository"], created["distribution"]
    assert dist["base_path"] == "teams/a-x"
    assert dist["repository"] == repo["pulp_href"]
    assert repo["index_url"] == dist["index_url"]
    assert repo["upload_url"] == dist["upload_url"]
    listed = admin.get("repositories/teamindex/teamindex/", params={"name": created["name"]})
    (entry,) = listed.json()["results"]
    assert entry["index_url"].endswith("/pulp/content/teams/a-x/simple/")
    assert entry["pulp_labels"] == {"team": "a"}
    assert twine_upload(created, publisher, wheel(corpus)).returncode == 0

    admin.ok(admin.delete(repo["pulp_href"]))
    assert admin.get(repo["pulp_href"]).status_code == 404
    assert admin.get(dist["pulp_href"]).status_code == 404
    gone = requests.get(dist["index_url"], timeout=30)  # as for a private index: no hint
    assert gone.status_code == 401 and "private or does not exist" in gone.text
    as_admin = requests.get(dist["index_url"], auth=(admin.username, admin.password), timeout=30)
    assert as_admin.status_code == 404


def test_a_taken_base_path_is_refused_and_nothing_is_created(admin, index):
    response = admin.post(
        "repositories/teamindex/teamindex/",
        json={"name": "another", "base_path": index["distribution"]["base_path"]},
    )
    assert response.status_code == 400
    assert (
        admin.get("repositories/teamindex/teamindex/", params={"name": "another"}).json()["count"]
        == 0
    )


def test_remove_a_release_then_roll_back(admin, corpus, index, publisher):
    files = [wheel(corpus, 0, "1.0.0"), wheel(corpus, 0, "1.1.0")]
    assert twine_upload(index, publisher, *files).returncode == 0
    repo = index["repository"]["pulp_href"]
    assert admin.post(repo + "remove/", json={"project": "synth-p00000"}).status_code == 403
    publisher.ok(
        publisher.post(repo + "remove/", json={"project": "synth-p00000", "version": "1.1.0"})
    )
    assert served(index) == [files[0].name]
    publisher.ok(publisher.post(repo + "rollback/", json={"version": 1}))
    assert served(index) == [f.name for f in files]
    history = admin.get(repo + "versions/").json()
    # the uploads (folded by the removal, first), the removal, the rollback
    assert [v["number"] for v in history["results"]] == [3, 2, 1, 0]
    removed = history["results"][1]["content_summary"]["removed"]
    assert removed["teamindex.package"]["count"] == 1
    assert publisher.post(repo + "rollback/", json={"version": 99}).status_code == 400


def test_a_distribution_can_be_pinned_to_a_version(admin, corpus, index, publisher):
    assert twine_upload(index, publisher, wheel(corpus, 0, "1.0.0")).returncode == 0
    version_1 = fold(admin, index)
    task = admin.ok(
        admin.post(
            "distributions/teamindex/teamindex/",
            json={
                "name": index["name"] + "-pinned",
                "base_path": index["name"] + "-pinned",
                "repository_version": version_1,
            },
        )
    )
    pinned_dist = admin.get(task["created_resources"][0]).json()
    try:
        assert twine_upload(index, publisher, wheel(corpus, 0, "1.1.0")).returncode == 0
        assert len(served(index)) == 2
        pinned_index = {"distribution": pinned_dist}
        assert served(pinned_index) == [wheel(corpus, 0, "1.0.0").name]
    finally:
        admin.ok(admin.delete(pinned_dist["pulp_href"]))


def test_promote_a_release_keeps_hashes_and_upload_times(admin, corpus, index, publisher):
    staging = make_index(admin)
    try:
        assert twine_upload(staging, publisher, wheel(corpus, 1, "1.1.0")).returncode == 0
        repo = index["repository"]["pulp_href"]
        body = {
            "source": staging["repository"]["pulp_href"],
            "project": "synth-p00001",
            "version": "1.1.0",
        }
        assert admin.post(repo + "promote/", json=body).status_code == 403
        publisher.ok(publisher.post(repo + "promote/", json=body))
        promoted = served(index, "synth-p00001")
        assert promoted == [wheel(corpus, 1, "1.1.0").name]
        a = requests.get(
            staging["distribution"]["index_url"] + "synth-p00001/", headers=JSON, timeout=30
        ).json()["files"]
        b = requests.get(
            index["distribution"]["index_url"] + "synth-p00001/", headers=JSON, timeout=30
        ).json()["files"]
        assert [(f["hashes"], f["upload-time"]) for f in a] == [
            (f["hashes"], f["upload-time"]) for f in b
        ]
    finally:
        admin.ok(admin.delete(staging["repository"]["pulp_href"]))


def test_every_version_is_reachable_for_audit(corpus, index, publisher, tmp_path):
    first, second = wheel(corpus, 0, "1.0.0"), wheel(corpus, 0, "1.1.0")
    assert twine_upload(index, publisher, first).returncode == 0
    fold(publisher, index)
    assert twine_upload(index, publisher, second).returncode == 0
    base = index["distribution"]["index_url"].rsplit("simple/", 1)[0]
    v1 = {"distribution": {"index_url": base + "versions/1/simple/"}}
    for _ in range(2):  # resolved once, then from memory
        assert served(v1) == [first.name]
    assert served(index) == [first.name, second.name]
    got = pip(
        "download",
        "--no-deps",
        "--index-url",
        base + "versions/1/simple/",
        "-d",
        tmp_path / "dl",
        "synth-p00000",
    )
    assert got.returncode == 0, got.stderr
    assert [p.name for p in (tmp_path / "dl").iterdir()] == [first.name]
    assert requests.get(base + "versions/1/packages/" + second.name, timeout=30).status_code == 404
    assert requests.get(base + "versions/99/simple/", timeout=30).status_code == 404
