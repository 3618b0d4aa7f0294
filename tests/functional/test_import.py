"""Bulk import from a server directory: one task, one version, every file validated."""

import hashlib
import shutil
import zipfile

import requests
from distgen import wheel as make_wheel
from helpers import make_index, sha256_of, twine_upload

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


def test_import_a_devpi_like_tree(pulp, admin, publisher, corpus, index):
    root = pulp.state_dir / "imports" / index["name"]
    good = [f"synth_p0000{p}-1.0.0-py3-none-any.whl" for p in range(3)]
    for n, name in enumerate(good):  # files nested as in a devpi export
        target = root / "+f" / f"{n:02x}" / name
        target.parent.mkdir(parents=True)
        shutil.copy(corpus / name, target)
    rebuilt = root / "+f" / "zz" / good[0]  # same filename, other bytes: refused
    rebuilt.parent.mkdir()
    shutil.copy(corpus / good[0], rebuilt)
    with zipfile.ZipFile(rebuilt, "a") as wheel:
        wheel.comment = b"rebuilt"
    (root / "dataindex.json").write_text("{}")  # not a distribution: ignored
    (root / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    owner = make_index(admin)
    try:
        shutil.copy(corpus / "synth_p00001-1.1.0-py3-none-any.whl", root)
        assert (
            twine_upload(
                owner, publisher, corpus / "synth_p00001-1.1.0-py3-none-any.whl"
            ).returncode
            == 0
        )  # another index now owns synth-p00001

        repo = index["repository"]["pulp_href"]
        assert admin.post(repo + "import/", json={"path": str(root)}).status_code == 403
        outside = publisher.post(repo + "import/", json={"path": "/etc"})
        assert outside.status_code == 400
        assert "ALLOWED_IMPORT_PATHS" in outside.text

        task = publisher.ok(publisher.post(repo + "import/", json={"path": str(root)}))
        assert task["progress_reports"][0]["done"] == 6
        refused = {r["file"]: r["reason"] for r in task["result"]["refused"]}
        assert task["result"]["imported"] == 2  # p00001 1.0.0 is owned elsewhere as well
        assert len(refused) == 4
        assert "other bytes" in refused[f"+f/zz/{good[0]}"]
        assert "not a valid wheel" in refused["broken-1.0-py3-none-any.whl"]
        assert "belongs to index" in refused["synth_p00001-1.1.0-py3-none-any.whl"]
        assert all((root / "+f" / f"{n:02x}" / name).exists() for n, name in enumerate(good))
        assert admin.get(repo).json()["latest_version_href"].endswith("/versions/1/")
        page = requests.get(
            index["distribution"]["index_url"] + "synth-p00002/", headers=JSON, timeout=30
        ).json()
        assert [f["filename"] for f in page["files"]] == [good[2]]
    finally:
        admin.ok(admin.delete(owner["repository"]["pulp_href"]))


def test_import_from_a_simple_index_url(admin, publisher, upstream, index):
    repo = index["repository"]["pulp_href"]
    task = publisher.ok(publisher.post(repo + "import/", json={"url": upstream["url"]}))
    assert task["result"]["imported"] == 2
    (refused,) = task["result"]["refused"]
    assert refused["file"] == "evil_lib-1.0-py3-none-any.whl"
    assert "sha256" in refused["reason"]
    for name in ("team-secret", "public-lib"):
        page = requests.get(
            index["distribution"]["index_url"] + name + "/", headers=JSON, timeout=30
        ).json()
        (listed,) = page["files"]
        wheel = upstream["files"][name][0]
        assert listed["hashes"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    both = publisher.post(repo + "import/", json={"url": upstream["url"], "path": "/tmp"})
    assert both.status_code == 400


def test_a_later_import_never_changes_published_bytes(pulp, publisher, admin, index, tmp_path):
    repo = index["repository"]["pulp_href"]
    project = f"kept-{index['name']}"
    old, new = (make_wheel(tmp_path, project, v) for v in ("1.0", "2.0"))
    first, second = (pulp.state_dir / "imports" / f"{index['name']}-{n}" for n in (1, 2))
    first.mkdir(parents=True)
    shutil.copy(old, first)
    assert publisher.ok(publisher.post(repo + "import/", json={"path": str(first)}))["result"] == {
        "imported": 1,
        "refused": [],
    }

    second.mkdir()
    shutil.copy(new, second)
    with zipfile.ZipFile(shutil.copy(old, second), "a") as wheel:
        wheel.comment = b"rebuilt"  # the published filename, other bytes
    result = publisher.ok(publisher.post(repo + "import/", json={"path": str(second)}))["result"]
    assert result["imported"] == 1
    (refused,) = result["refused"]
    assert refused["file"] == old.name
    assert "other bytes" in refused["reason"]
    page = requests.get(
        index["distribution"]["index_url"] + project + "/", headers=JSON, timeout=30
    ).json()
    listed = {f["filename"]: f["hashes"]["sha256"] for f in page["files"]}
    assert listed == {old.name: sha256_of(old), new.name: sha256_of(new)}

    again = publisher.ok(publisher.post(repo + "import/", json={"path": str(first)}))
    assert again["result"]["refused"] == []
    assert admin.get(repo).json()["latest_version_href"].endswith("/versions/2/")  # no change


def test_links_out_of_the_allowed_paths_are_not_read(pulp, publisher, corpus, index, tmp_path):
    """A symlink inside an allowed directory must not publish a file from elsewhere."""
    root = pulp.state_dir / "imports" / f"{index['name']}-links"
    root.mkdir(parents=True)
    name = "synth_p00000-1.0.0-py3-none-any.whl"
    outside = tmp_path / name
    shutil.copy(corpus / name, outside)
    (root / name).symlink_to(outside)
    repo = index["repository"]["pulp_href"]
    try:
        task = publisher.ok(publisher.post(repo + "import/", json={"path": str(root)}))
        assert task["result"]["imported"] == 0
        [refused] = task["result"]["refused"]
        assert refused["file"] == name
        assert "outside ALLOWED_IMPORT_PATHS" in refused["reason"]
    finally:
        shutil.rmtree(root)
