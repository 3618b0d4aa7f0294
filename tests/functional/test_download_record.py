"""The download record: who fetched a file, from which index, with which credentials, and the
blast radius of a block. pip and plain HTTP clients download; the content app counts each file
served (from memory too) and writes the counts within a second here
(TEAMINDEX_DOWNLOAD_RECORD_FLUSH=0.5); an admin asks which downloads a block names."""

import time
import uuid

import pytest
import requests
from distgen import wheel
from helpers import Client, guard_index, make_index, pip, pulp_cli, sha256_of, twine_upload

DOWNLOADS = "teamindex/downloads/"
PASSWORD = "Reader-pass-123"


@pytest.fixture
def incident(admin, publisher, tmp_path):
    """A private index holding a wheel (a reader with a password and a read token) and a public
    index holding another."""
    tag = uuid.uuid4().hex[:6]
    private, public = make_index(admin), make_index(admin)
    evil = wheel(tmp_path, f"evil-{tag}", "1.0.0", body=b"STEAL = True\n")
    fine = wheel(tmp_path, f"fine-{tag}", "1.0")
    assert twine_upload(private, publisher, evil).returncode == 0
    assert twine_upload(public, publisher, fine).returncode == 0
    reader = f"reader-{tag}"
    made = admin.post("users/", json={"username": reader, "password": PASSWORD})
    assert made.status_code == 201, made.text
    guard_index(admin, private, [reader])
    reader = Client(admin.stack, reader, PASSWORD)
    body = {"name": "ci", "scope": "read", "repositories": [private["repository"]["pulp_href"]]}
    token = reader.post("teamindex/tokens/", json=body).json()
    blocks = []
    yield {
        "private": private,
        "public": public,
        "evil": evil,
        "fine": fine,
        "reader": reader,
        "token": token,
        "blocks": blocks,
    }
    for block in blocks:
        admin.post(block + "lift/")
    for index in (private, public):
        admin.delete(index["repository"]["pulp_href"])
    admin.delete(made.json()["pulp_href"])


def _file_url(index, path):
    return index["distribution"]["base_url"] + "packages/" + path.name


def _recorded(admin, want, **filters):
    """The record's rows for `filters` once they count `want` downloads (waits for the write)."""
    for _ in range(60):
        rows = admin.get(DOWNLOADS, params={**filters, "limit": 1000}).json()["results"]
        if sum(row["count"] for row in rows) >= want:
            return rows
        time.sleep(0.25)
    raise AssertionError(f"the record holds {rows} for {filters}, not {want} downloads")


def test_every_download_is_recorded_with_its_reader_and_a_block_finds_them(
    admin, incident, tmp_path
):
    private, evil, reader, token = (incident[k] for k in ("private", "evil", "reader", "token"))
    url = private["distribution"]["index_url"]
    with_password = url.replace("http://", f"http://{reader.username}:{PASSWORD}@", 1)
    project = evil.name.split("-")[0].replace("_", "-")
    got = pip("download", "--no-deps", "--index-url", with_password, "-d", tmp_path / "a", project)
    assert got.returncode == 0, got.stdout + got.stderr
    assert sha256_of(tmp_path / "a" / evil.name) == sha256_of(evil)  # from our index
    for _ in range(2):  # checked, then answered from memory: both counted, as the same reader
        answer = requests.get(_file_url(private, evil), auth=reader.session.auth, timeout=30)
        assert answer.status_code == 200
    as_token = ("__token__", token["token"])
    assert requests.get(_file_url(private, evil), auth=as_token, timeout=30).status_code == 200
    metadata = requests.get(_file_url(private, evil) + ".metadata", auth=as_token, timeout=30)
    assert metadata.status_code == 200  # metadata is not a download of the file

    rows = _recorded(admin, 4, sha256=sha256_of(evil))
    by_reader = {(row["user"], row["token"]): row for row in rows}
    assert by_reader[(reader.username, "")]["count"] == 3  # pip once, requests twice
    assert by_reader[(reader.username, token["prefix"])]["count"] == 1
    assert sum(row["count"] for row in rows) == 4
    for row in rows:
        assert row["index_name"] == private["name"]
        assert row["repository"] == private["repository"]["pulp_href"]
        assert (row["filename"], row["version"]) == (evil.name, "1")
        assert row["client"] == "127.0.0.1"

    block = admin.post(
        "teamindex/blocks/",
        json={"kind": "release", "value": f"{project}==1.0", "reason": "compromised"},
    )
    assert block.status_code == 201, block.text
    incident["blocks"].append(block.json()["pulp_href"])
    refused = requests.get(_file_url(private, evil), auth=reader.session.auth, timeout=30)
    assert refused.status_code == 403  # refused: not a download
    radius = _recorded(admin, 4, block=block.json()["pulp_href"], days=1)
    assert sorted(rows, key=str) == sorted(radius, key=str)  # the block names these, no more
    time.sleep(1.5)  # two writes later, the refusal was still not counted
    assert _recorded(admin, 4, block=block.json()["pulp_href"]) == radius

    listed = pulp_cli(
        admin.stack, "teamindex", "download", "list", "--block", block.json()["pulp_href"]
    )
    assert {(row["user"], row["count"]) for row in listed} == {
        (reader.username, 3),
        (reader.username, 1),
    }


def test_unchecked_credentials_never_name_the_reader(admin, incident):
    """On a public index credentials are not checked, so a download made with another user's
    name (and a wrong password) is recorded as anonymous, never as that user's."""
    public, fine = incident["public"], incident["fine"]
    for _ in range(2):
        answer = requests.get(_file_url(public, fine), auth=("admin", "wrong"), timeout=30)
        assert answer.status_code in (200, 401)
    assert requests.get(_file_url(public, fine), timeout=30).status_code == 200
    rows = _recorded(admin, 1, filename=fine.name)
    assert {row["user"] for row in rows} == {""}
    assert {row["index_name"] for row in rows} == {public["name"]}


def test_a_forged_forwarded_for_never_names_the_client(admin, incident):
    """With no proxy trusted (TEAMINDEX_CLIENT_PROXIES=0), the client is the peer, whatever
    X-Forwarded-For a reader sends, the same on every request of a connection's peer."""
    public, fine = incident["public"], incident["fine"]
    for forged in ("203.0.113.7", "198.51.100.9, 203.0.113.8", "not an address", ""):
        headers = {"X-Forwarded-For": forged}
        answer = requests.get(_file_url(public, fine), headers=headers, timeout=30)
        assert answer.status_code == 200
    rows = _recorded(admin, 4, filename=fine.name)
    assert {row["client"] for row in rows} == {"127.0.0.1"}
    assert sum(row["count"] for row in rows) == 4


def test_only_admins_read_the_record_and_bad_filters_are_explained(admin, incident):
    reader = incident["reader"]
    assert reader.get(DOWNLOADS).status_code == 403
    bad = admin.get(DOWNLOADS, params={"block": "not-a-block"})
    assert bad.status_code == 400 and "block list" in bad.text
    too_long = admin.get(DOWNLOADS, params={"days": 100000})
    assert too_long.status_code == 400 and "at most" in too_long.text
