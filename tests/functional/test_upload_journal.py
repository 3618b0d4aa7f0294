"""Uploads go through the index's journal: served the moment twine hears 200, folded into one
repository version per burst, and every other change of the index folds them first."""

import subprocess
import time
import uuid

import requests
from distgen import wheel
from helpers import BIN, fold, pip, sha256_of, twine_upload

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def _latest(client, index):
    return client.get(index["repository"]["pulp_href"]).json()["latest_version_href"]


def _filenames(client, version_href):
    listed = client.get(
        "content/teamindex/packages/", params={"repository_version": version_href, "limit": 1000}
    ).json()
    return sorted(p["filename"] for p in listed["results"])


def _project(tmp_path, count=3):
    name = f"journal-{uuid.uuid4().hex[:8]}"
    return name, [wheel(tmp_path, name, f"1.{n}.0") for n in range(count)]


def test_uploads_are_served_at_once_then_folded_into_one_version(index, publisher, admin, tmp_path):
    name, files = _project(tmp_path)
    assert twine_upload(index, publisher, *files).returncode == 0
    url = index["distribution"]["index_url"]
    got = pip("download", "--no-deps", "--index-url", url, "-d", tmp_path / "dl", name)
    assert got.returncode == 0, got.stderr
    assert sha256_of(tmp_path / "dl" / files[-1].name) == sha256_of(files[-1])
    before = requests.get(f"{url}{name}/", headers=JSON, timeout=30)
    assert sorted(f["filename"] for f in before.json()["files"]) == sorted(f.name for f in files)
    base = url.removesuffix("simple/")
    assert requests.get(f"{base}versions/0/simple/{name}/", timeout=30).status_code == 404

    history = publisher.get(index["repository"]["pulp_href"] + "uploads/").json()
    assert sorted(h["filename"] for h in history) == sorted(f.name for f in files)
    assert {h["user"] for h in history} == {"publisher"}
    assert {h["repository_version"] for h in history} == {None}  # pending, yet served

    latest = fold(publisher, index)
    assert latest.endswith("/versions/1/")  # three uploads, one version
    assert _filenames(admin, latest) == sorted(f.name for f in files)
    history = publisher.get(index["repository"]["pulp_href"] + "uploads/").json()
    assert {h["repository_version"] for h in history} == {latest}
    assert {h["sha256"] for h in history} == {sha256_of(f) for f in files}
    after = requests.get(f"{url}{name}/", headers=JSON, timeout=30)
    assert after.headers["ETag"] == before.headers["ETag"]  # a fold changes nothing served
    assert requests.get(f"{base}versions/1/simple/{name}/", timeout=30).status_code == 200


def test_a_pause_folds_the_journal_without_anyone_asking(index, publisher, admin, tmp_path):
    _name, files = _project(tmp_path, 2)
    assert twine_upload(index, publisher, *files).returncode == 0
    deadline = time.monotonic() + 60  # the delay, plus a worker's look at its schedules
    while _latest(admin, index).endswith("/versions/0/") and time.monotonic() < deadline:
        time.sleep(1)
    latest = _latest(admin, index)
    assert latest.endswith("/versions/1/")
    assert _filenames(admin, latest) == sorted(f.name for f in files)


def test_changes_fold_pending_uploads_first(index, publisher, admin, tmp_path):
    name, files = _project(tmp_path, 2)
    assert twine_upload(index, publisher, *files).returncode == 0
    repo = index["repository"]["pulp_href"]
    publisher.ok(publisher.post(repo + "yank/", json={"filenames": [files[0].name]}))
    publisher.ok(publisher.post(repo + "remove/", json={"filenames": [files[1].name]}))
    assert _latest(admin, index).endswith("/versions/3/")  # fold, yank, remove
    assert _filenames(admin, repo + "versions/1/") == sorted(f.name for f in files)
    url = index["distribution"]["index_url"] + f"{name}/"
    doc = requests.get(url, headers=JSON, timeout=30).json()
    assert [(f["filename"], bool(f["yanked"])) for f in doc["files"]] == [(files[0].name, True)]

    publisher.ok(publisher.post(repo + "rollback/", json={"version": 1}))
    doc = requests.get(url, headers=JSON, timeout=30).json()
    assert sorted((f["filename"], f["yanked"]) for f in doc["files"]) == [
        (files[0].name, False),
        (files[1].name, False),
    ]


def test_a_pending_filename_keeps_its_bytes(index, publisher, tmp_path):
    name, [original] = _project(tmp_path, 1)
    assert twine_upload(index, publisher, original).returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    changed = wheel(other, name, "1.0.0", body=b"EVIL = 1\n")
    result = twine_upload(index, publisher, changed)
    assert result.returncode != 0
    assert "File already exists" in result.stdout + result.stderr
    again = twine_upload(index, publisher, original)  # the same bytes: accepted, changes nothing
    assert again.returncode == 0
    served = requests.get(
        index["distribution"]["index_url"].removesuffix("simple/") + f"packages/{original.name}",
        timeout=30,
    )
    assert served.content == original.read_bytes()
    history = publisher.get(index["repository"]["pulp_href"] + "uploads/").json()
    assert [h["filename"] for h in history] == [original.name]  # recorded once


def test_concurrent_twine_uploads_into_one_index(index, publisher, admin, tmp_path):
    name, files = _project(tmp_path, 24)
    batches = [files[n::8] for n in range(8)]
    procs = [
        subprocess.Popen(
            [
                BIN / "twine",
                "upload",
                "--non-interactive",
                "--disable-progress-bar",
                "--repository-url",
                index["distribution"]["upload_url"],
                f"--username={publisher.username}",
                f"--password={publisher.password}",
                *batch,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for batch in batches
    ]
    outputs = [proc.communicate(timeout=300)[0].decode() for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 8, outputs
    doc = requests.get(f"{index['distribution']['index_url']}{name}/", headers=JSON, timeout=30)
    assert sorted(f["filename"] for f in doc.json()["files"]) == sorted(f.name for f in files)
    latest = fold(admin, index)
    assert _filenames(admin, latest) == sorted(f.name for f in files)
    history = admin.get(index["repository"]["pulp_href"] + "uploads/").json()
    assert len(history) == len(files)
    assert {h["repository_version"] for h in history} <= {
        index["repository"]["pulp_href"] + f"versions/{n}/" for n in range(1, 9)
    }
