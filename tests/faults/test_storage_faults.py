"""A full disk never leaves a half-stored file behind, and never gets one served.

The stack here keeps its artifacts (MEDIA_ROOT) and its upload temporary files on small tmpfs
filesystems that the test mounts and fills, as an operator's bad day would."""

import hashlib
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
import requests
from distgen import wheel
from helpers import account, devstack, legacy_post, make_index, running

SIZE = "8m"


def _mount_tmpfs(prefix):
    path = Path(tempfile.mkdtemp(prefix=prefix))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", path], check=True)
    return path


@pytest.fixture(scope="module")
def disks():
    if os.geteuid() != 0:
        pytest.skip("mounting small filesystems needs root (CI runs as root)")
    mounts = {"media": _mount_tmpfs("teamindex-media-"), "tmp": _mount_tmpfs("teamindex-tmp-")}
    yield mounts
    for path in mounts.values():
        subprocess.run(["umount", "-l", path], check=False)


@pytest.fixture(scope="module")
def stack(disks):
    stack = devstack.throwaway(
        "faults",
        MEDIA_ROOT=str(disks["media"]),
        FILE_UPLOAD_TEMP_DIR=str(disks["tmp"]),
        TEAMINDEX_MAX_UPLOAD_SIZE=4 * 1024 * 1024,
    )
    with running(stack):
        yield stack


@pytest.fixture
def team(stack):
    admin = account(stack, "admin")
    created = make_index(admin)
    created["admin"], created["publisher"] = admin, account(stack, "publisher")
    yield created
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


def _big_wheel(directory, name):
    """A ~1 MiB wheel that does not compress."""
    path = wheel(directory, name, "1.0")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(f"{name.replace('-', '_')}/blob.bin", os.urandom(1024 * 1024))
    return path


def _fill(disk, leave):
    """Fill `disk` until `leave` bytes are free; returns the filler to remove later."""
    stat = os.statvfs(disk)
    filler = disk / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))
    return filler


def _files_under(disk):
    return sorted(str(p.relative_to(disk)) for p in disk.rglob("*") if p.is_file())


def _upload(team, path):
    auth = (team["publisher"].username, team["publisher"].password)
    return legacy_post(team, auth, path.name, path.read_bytes())


def _served_digest(team, filename):
    base = team["distribution"]["index_url"].rsplit("simple/", 1)[0]
    response = requests.get(base + "packages/" + filename, timeout=30)
    assert response.status_code == 200
    return hashlib.sha256(response.content).hexdigest()


def _latest(team):
    """The latest version and every upload the index accepted: a refusal changes neither."""
    href = team["repository"]["pulp_href"]
    uploads = team["admin"].get(href + "uploads/").json()
    return team["admin"].get(href).json()["latest_version_href"], uploads


def test_a_full_media_disk_answers_507_and_keeps_nothing(team, disks, tmp_path):
    path = _big_wheel(tmp_path, "full-media")
    before = (_files_under(disks["media"]), _latest(team))
    filler = _fill(disks["media"], leave=300 * 1024)
    try:
        refused = _upload(team, path)
        assert refused.status_code == 507, refused.text
        assert "storage is full" in refused.text and "storage is full" in refused.reason
        assert refused.headers["Retry-After"].isdigit()
        assert (_files_under(disks["media"]), _latest(team)) == (
            sorted([*before[0], "filler"]),
            before[1],
        )
    finally:
        filler.unlink()
    accepted = _upload(team, path)
    assert accepted.status_code == 200, accepted.text
    assert _served_digest(team, path.name) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_full_upload_temp_dir_answers_507_and_keeps_nothing(team, disks, tmp_path):
    path = _big_wheel(tmp_path, "full-temp")
    filler = _fill(disks["tmp"], leave=200 * 1024)
    try:
        refused = _upload(team, path)
        assert refused.status_code == 507, refused.text
        assert "temporary directory is full" in refused.reason
        assert _files_under(disks["tmp"]) == ["filler"]
    finally:
        filler.unlink()
    assert _upload(team, path).status_code == 200


def test_a_truncated_leftover_is_never_served(team, disks, tmp_path):
    """A crash mid-write left part of the file at its final path (no artifact row): the next
    upload of those bytes must replace it, not take it as stored."""
    path = _big_wheel(tmp_path, "leftover")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    leftover = disks["media"] / "artifact" / digest[:2] / digest[2:]
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_bytes(data[: len(data) // 2])
    assert _upload(team, path).status_code == 200
    assert _served_digest(team, path.name) == digest
    assert leftover.read_bytes() == data
