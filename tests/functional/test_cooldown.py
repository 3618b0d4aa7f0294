"""The cooldown at the index (issue #25): an index's upstream files younger than its
`upstream_cooldown` are neither listed nor served, whatever the client asks, until they mature
or an admin or an owner of the index (never its publisher, nor another team) grants an
exception. Files whose upload time is unknown count as new; the index's own uploads are never
held back. The upstream is a local server (`test_hostile_upstreams.Hostile`) on 127.0.0.1."""

import http.server
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from distgen import wheel
from helpers import Client, make_index, pip, pulp_cli, twine_upload, uv_install
from test_hostile_upstreams import Hostile, core_metadata, file_url, offered, project_page

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
HTML = {"Accept": "text/html"}
PASSWORD = "Cooldown-test-pass-42!"
EXCEPTIONS = "teamindex/cooldown-exceptions/"
OWNER_ROLE = "teamindex.teamindexrepository_owner"
OLD = {"upload-time": "2024-01-01T00:00:00Z"}


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(scope="module")
def upstream_url():
    """The hostile upstream's server, serving `Hostile.pages` and `Hostile.files`."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def people(pulp, admin):
    """The owner of the cooled index, its publisher, and the owner of another index."""
    tag = uuid.uuid4().hex[:6]
    names = {p: f"cool-{p}-{tag}" for p in ("owner", "pub", "other")}
    users = []
    for name in names.values():
        made = admin.post("users/", json={"username": name, "password": PASSWORD})
        assert made.status_code == 201, made.text
        users.append(made.json()["pulp_href"])
    other = make_index(admin)
    _role(admin, other, names["other"])
    yield {"names": names, **{p: Client(pulp, n, PASSWORD) for p, n in names.items()}}
    admin.ok(admin.delete(other["repository"]["pulp_href"]))
    for user in users:
        admin.delete(user)


def _role(admin, index, user):
    added = admin.post(
        index["repository"]["pulp_href"] + "add_role/", json={"role": OWNER_ROLE, "users": [user]}
    )
    assert added.status_code == 201, added.text


@pytest.fixture
def cooled(admin, upstream_url, people):
    """An index reading the hostile upstream with a 3-day cooldown, owned by `owner` and
    published by `pub`."""
    made = []

    def make(path="lying", cooldown="3d", **fields):
        index = make_index(
            admin,
            upstream=f"{upstream_url}/{path}/simple/",
            upstream_cooldown=cooldown,
            publisher=people["names"]["pub"],
            **fields,
        )
        _role(admin, index, people["names"]["owner"])
        made.append(index)
        return index

    yield make
    for index in made:
        admin.ok(admin.delete(index["repository"]["pulp_href"]))


def offer_old_and_new(tmp_path, project):
    """The upstream offers `project` 1.0 (2024) and 2.0, uploaded just now."""
    old, new = wheel(tmp_path, project, "1.0"), wheel(tmp_path, project, "2.0")
    Hostile.pages[project] = {
        "files": [
            offered(old, core_metadata(old), **OLD),
            offered(new, core_metadata(new), **{"upload-time": stamp(datetime.now(UTC))}),
        ]
    }
    return old, new


def listed(index, project, headers=JSON):
    page = requests.get(project_page(index, project), headers=headers, timeout=30)
    assert page.status_code == 200, page.text
    return [f["filename"] for f in page.json()["files"]] if headers is JSON else page.text


def installed_version(venv, index, project):
    """Install `project` into `venv` with uv (no client cooldown) and say which version."""
    url = index["distribution"]["index_url"]
    got = uv_install(venv, url, "--reinstall", project)
    assert got.returncode == 0, got.stdout + got.stderr
    module = project.replace("-", "_")
    shown = subprocess.run(
        [venv / "bin" / "python", "-c", f"import {module}; print({module}.VERSION)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout.strip()


def pip_downloads(index, project, where):
    got = pip("download", "--no-deps", "--index-url", index["distribution"]["index_url"],
              "-d", where, project)  # fmt: skip
    assert got.returncode == 0, got.stdout + got.stderr
    return sorted(p.name for p in where.iterdir())


def grant(client, index, value, expires_in=3600.0, reason="security fix, reviewed"):
    expires = stamp(datetime.now(UTC) + timedelta(seconds=expires_in))
    return client.post(
        EXCEPTIONS,
        json={
            "repository": index["repository"]["pulp_href"],
            "value": value,
            "reason": reason,
            "expires_at": expires,
        },
    )


def test_a_fresh_upstream_release_is_held_back_until_an_owner_excepts_it(
    cooled, people, admin, tmp_path, venv
):
    project = f"cool-fresh-{uuid.uuid4().hex[:6]}"
    old, new = offer_old_and_new(tmp_path, project)
    index = cooled()

    assert listed(index, project) == [old.name]
    assert new.name not in listed(index, project, HTML)
    for url in (file_url(index, new.name), file_url(index, new.name) + ".metadata"):
        refused = requests.get(url, timeout=30)
        assert refused.status_code == 403, refused.text
        assert "held back by this index's cooldown (3d) until" in refused.text
        assert "cooldown exception" in refused.text and f"'{project}==2.0'" in refused.text
    assert requests.get(file_url(index, old.name), timeout=30).status_code == 200
    assert installed_version(venv, index, project) == "1.0"
    assert pip_downloads(index, project, tmp_path / "before") == [old.name]
    assert not Hostile.hits[f"/lying/files/{new.name}"]  # never fetched while held back

    # neither the publisher nor another team's owner may wave it in
    for who in ("pub", "other"):
        refused = grant(people[who], index, f"{project}==2.0")
        assert refused.status_code == 403, (who, refused.text)
    assert admin.get(EXCEPTIONS, params={"project": project}).json()["count"] == 0

    granted = grant(people["owner"], index, f"{project.upper()}==2.0.0")
    assert granted.status_code == 201, granted.text
    exception = granted.json()
    assert (exception["value"], exception["version"]) == (f"{project}==2.0.0", "2")
    assert (exception["granted_by"], exception["active"]) == (people["names"]["owner"], True)
    # at once, on every content app (the change is confirmed before the 201)
    assert listed(index, project) == [old.name, new.name]
    assert requests.get(file_url(index, new.name), timeout=30).content == new.read_bytes()
    assert installed_version(venv, index, project) == "2.0"
    assert pip_downloads(index, project, tmp_path / "after") == [new.name]

    revoked = people["owner"].post(exception["pulp_href"] + "revoke/")
    assert revoked.status_code == 201, revoked.text
    assert revoked.json()["revoked_by"] == people["names"]["owner"]
    assert revoked.json()["active"] is False
    assert listed(index, project) == [old.name]
    assert requests.get(file_url(index, new.name), timeout=30).status_code == 403
    kept = admin.get(exception["pulp_href"]).json()  # the audit survives the revocation
    assert kept["reason"] == "security fix, reviewed" and kept["revoked_at"]


def test_an_expired_exception_stops_applying(cooled, people, tmp_path):
    project = f"cool-expiry-{uuid.uuid4().hex[:6]}"
    old, new = offer_old_and_new(tmp_path, project)
    index = cooled()
    granted = grant(people["owner"], index, project, expires_in=3.0)  # the whole project
    assert granted.status_code == 201, granted.text
    assert listed(index, project) == [old.name, new.name]
    assert requests.get(file_url(index, new.name), timeout=30).status_code == 200
    time.sleep(3.5)
    assert listed(index, project) == [old.name]  # held back again
    assert requests.get(file_url(index, new.name), timeout=30).status_code == 403
    shown = people["owner"].get(granted.json()["pulp_href"]).json()
    assert shown["active"] is False and shown["revoked_at"] is None  # expired, still listed

    too_late = grant(people["owner"], index, project, expires_in=-60)
    assert too_late.status_code == 400 and "future" in too_late.text


def test_unknown_upload_times_count_as_new_and_mature_on_time(cooled, tmp_path):
    """An HTML upstream gives no times: every file counts from when the index first saw it,
    and appears once the cooldown has passed since then (within a page's life)."""
    project = f"cool-unknown-{uuid.uuid4().hex[:6]}"
    old, new = offer_old_and_new(tmp_path, project)
    index = cooled(path="html", cooldown="4s")
    began = time.monotonic()
    assert listed(index, project) == []
    assert requests.get(file_url(index, old.name), timeout=30).status_code == 403
    time.sleep(max(0.0, 5.5 - (time.monotonic() - began)))
    assert listed(index, project) == [old.name, new.name]
    assert requests.get(file_url(index, old.name), timeout=30).status_code == 200


def test_the_index_own_uploads_are_never_held_back(cooled, people, admin, tmp_path, venv):
    project = f"cool-own-{uuid.uuid4().hex[:6]}"
    own = wheel(tmp_path, project, "1.0")
    index = cooled()
    pub = people["pub"]
    assert twine_upload(index, pub, own).returncode == 0
    assert listed(index, project) == [own.name]
    assert requests.get(file_url(index, own.name), timeout=30).status_code == 200
    assert installed_version(venv, index, project) == "1.0"


def test_the_cooldown_is_an_admin_setting_read_strictly(cooled, people, admin, tmp_path):
    index = cooled(cooldown="1d")
    href = index["repository"]["pulp_href"]
    assert admin.get(href).json()["upstream_cooldown"] == "1d"
    refused = people["owner"].patch(href, json={"upstream_cooldown": "0"})
    assert refused.status_code == 403 and "Only an admin may set" in refused.text
    for bad in ("3 days", "1.5d", "-1h", "400d"):
        assert admin.patch(href, json={"upstream_cooldown": bad}).status_code == 400, bad

    project = f"cool-off-{uuid.uuid4().hex[:6]}"
    old, new = offer_old_and_new(tmp_path, project)
    assert listed(index, project) == [old.name]
    changed = admin.patch(href, json={"upstream_cooldown": "0"})
    if changed.status_code == 202:
        admin.ok(changed)
    assert listed(index, project) == [old.name, new.name]  # at once: the change empties every page


def test_the_pulp_cli_sets_the_cooldown_and_grants_and_revokes_exceptions(
    pulp, admin, upstream_url, tmp_path
):
    name, project = f"cool-cli-{uuid.uuid4().hex[:6]}", f"cooled-cli-{uuid.uuid4().hex[:6]}"
    repo = ("teamindex", "repository")
    upstream = f"{upstream_url}/lying/simple/"
    pulp_cli(pulp, *repo, "create", "--name", name, "--upstream", upstream)
    pulp_cli(pulp, *repo, "update", "--name", name, "--upstream-cooldown", "3d")
    shown = pulp_cli(pulp, *repo, "show", "--name", name)
    try:
        assert shown["upstream_cooldown"] == "3d"
        index = {"repository": shown, "distribution": admin.get(shown["distribution"]).json()}
        old, new = offer_old_and_new(tmp_path, project)
        assert listed(index, project) == [old.name]

        exceptions = ("teamindex", "cooldown-exception")
        until = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        granted = pulp_cli(pulp, *exceptions, "grant", "--repository", name,
                           "--value", f"{project}==2.0", "--reason", "fix reviewed",
                           "--expires-at", until)  # fmt: skip
        assert granted["active"] and granted["version"] == "2"
        assert sorted(listed(index, project)) == sorted([old.name, new.name])
        found = pulp_cli(pulp, *exceptions, "list", "--project", project)
        assert [e["pulp_href"] for e in found] == [granted["pulp_href"]]
        revoked = pulp_cli(pulp, *exceptions, "revoke", "--href", granted["pulp_href"])
        assert revoked["revoked_by"] == "admin" and not revoked["active"]
        assert listed(index, project) == [old.name]
    finally:
        pulp_cli(pulp, *repo, "destroy", "--name", name)
