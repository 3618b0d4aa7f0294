"""PEP 792 project status markers (simple API 1.4) on a real stack: set through REST and the
pulp CLI, shown in JSON and HTML (read back by pypi-simple, a third-party parser), enforced on
uploads and downloads, versioned like every other change of an index, and refused to those who
may not set them.

Index A is public, published by its own service account `pub`, owned by `owner`; index B is
private and published by `pubb`. Every test works on a project of its own in A.
"""

import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import requests
from distgen import wheel
from helpers import (
    BIN,
    Client,
    fold,
    guard_index,
    legacy_post,
    make_index,
    pip,
    run,
    twine_upload,
    uv_install,
)
from pypi_simple import ACCEPT_HTML_ONLY, ACCEPT_JSON_ONLY, PyPISimple

PASSWORD = "Status-test-pass-42!"
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
HTML = {"Accept": "application/vnd.pypi.simple.v1+html"}
OWNER = "teamindex.teamindexrepository_owner"


@dataclass
class World:
    admin: Client
    pub: Client
    owner: Client
    norole: Client
    pubb: Client
    a: dict
    b: dict
    files: object
    users: list


@pytest.fixture(scope="module")
def world(pulp, admin, tmp_path_factory):
    tag = uuid.uuid4().hex[:6]
    names = {p: f"status-{p}-{tag}" for p in ("pub", "owner", "norole", "pubb")}
    users = []
    for name in names.values():
        created = admin.post("users/", json={"username": name, "password": PASSWORD})
        assert created.status_code == 201, created.text
        users.append(created.json()["pulp_href"])
    a = make_index(admin, publisher=names["pub"])
    b = make_index(admin, publisher=names["pubb"])
    role = {"role": OWNER, "users": [names["owner"]]}
    assert admin.post(a["repository"]["pulp_href"] + "add_role/", json=role).status_code == 201
    guard = guard_index(admin, b, [names["pubb"]])
    clients = {p: Client(pulp, name, PASSWORD) for p, name in names.items()}
    yield World(admin=admin, **clients, a=a, b=b, files=tmp_path_factory.mktemp("st"), users=users)
    for index in (a, b):
        admin.ok(admin.delete(index["repository"]["pulp_href"]))
    admin.delete(guard["pulp_href"])
    for user in users:
        admin.delete(user)


def _publish(world, index, user, name, version):
    path = wheel(world.files, name, version)
    result = twine_upload(index, user, path)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture
def project(world):
    """A project of its own in A, with one wheel (1.0) published by A's publisher."""
    name = f"st-{uuid.uuid4().hex[:8]}"
    return SimpleNamespace(name=name, wheel=_publish(world, world.a, world.pub, name, "1.0"))


def _post_status(client, index, project, status, reason=""):
    body = {"project": project, "status": status, "reason": reason}
    return client.post(index["repository"]["pulp_href"] + "set_project_status/", json=body)


def _set(client, world, project, status, reason=""):
    return client.ok(_post_status(client, world.a, project.name, status, reason))


def _page(world, project, accept, prefix=""):
    """pypi-simple's reading of the project's page (of `prefix`, e.g. versions/2/)."""
    url = _root(world, prefix)
    with PyPISimple(url, accept=accept) as client:
        return client.get_project_page(project.name)


def _root(world, prefix=""):
    base = world.a["distribution"]["index_url"].rsplit("simple/", 1)[0]
    return f"{base}{prefix}simple/"


def _file_url(world, project, prefix=""):
    return _root(world, prefix).rsplit("simple/", 1)[0] + f"packages/{project.wheel.name}"


def _latest_number(world):
    latest = world.admin.get(world.a["repository"]["pulp_href"]).json()["latest_version_href"]
    return int(latest.rstrip("/").rsplit("/", 1)[1])


def _shows(world, project, status, reason=None, files=1, prefix=""):
    """Both formats show `status` (and `reason`) with API version 1.4 and `files` files."""
    for accept in (ACCEPT_JSON_ONLY, ACCEPT_HTML_ONLY):
        page = _page(world, project, accept, prefix)
        assert page.repository_version == "1.4", accept
        assert (str(page.status), page.status_reason) == (status, reason), accept
        assert len(page.packages) == files, accept


def _download(project, url, directory):
    return pip("download", "--no-deps", "--index-url", url, "-d", directory, project.name)


# ---- what installers see ---------------------------------------------------------------------


def test_each_status_is_shown_in_json_and_html_as_pep_792_says(world, project):
    _shows(world, project, "active")
    root = requests.get(_root(world), headers=JSON, timeout=30).json()
    assert root["meta"] == {"api-version": "1.4"}
    raw = requests.get(_root(world) + project.name + "/", headers=JSON, timeout=30).json()
    assert raw["project-status"] == {"status": "active"}  # top level, not under meta
    for status, reason in (
        ("archived", "no more releases"),
        ("deprecated", "use st-other instead"),
        ("quarantined", "malware in 1.0"),
    ):
        _set(world.pub, world, project, status, reason)
        _shows(world, project, status, reason, files=0 if status == "quarantined" else 1)
        html = requests.get(_root(world) + project.name + "/", headers=HTML, timeout=30).text
        head = html.split("</head>")[0]
        assert f'<meta name="pypi:project-status" content="{status}">' in head
        assert f'<meta name="pypi:project-status-reason" content="{reason}">' in head
    listed = requests.get(_root(world), headers=JSON, timeout=30).json()["projects"]
    assert {"name": project.name} in listed  # PEP 792 changes no project list
    _set(world.admin, world, project, "active")
    _shows(world, project, "active")


def test_a_quarantine_stops_pip_and_uv_until_it_is_lifted(world, project, tmp_path, venv):
    fold(world.admin, world.a)  # a version holding the file, to pin
    pinned = f"versions/{_latest_number(world)}/"
    _shows(world, project, "active", prefix=pinned)  # remembered by the content app now
    assert requests.get(_file_url(world, project, pinned), timeout=30).status_code == 200
    _set(world.pub, world, project, "quarantined", "credential stealer")

    refused = _download(project, _root(world), tmp_path / "a")
    assert refused.returncode != 0
    assert "No matching distribution" in refused.stdout + refused.stderr
    assert uv_install(venv, _root(world), project.name).returncode != 0
    for url in (_file_url(world, project), _file_url(world, project) + ".metadata"):
        answer = requests.get(url, timeout=30)
        assert answer.status_code == 403, url
        assert "quarantined" in answer.text and "credential stealer" in answer.text
    # installers pinned to an earlier version of the index are stopped too
    _shows(world, project, "quarantined", "credential stealer", files=0, prefix=pinned)
    assert requests.get(_file_url(world, project, pinned), timeout=30).status_code == 403

    _set(world.admin, world, project, "active")
    got = _download(project, _root(world), tmp_path / "b")
    assert got.returncode == 0, got.stdout + got.stderr
    assert [p.name for p in (tmp_path / "b").iterdir()] == [project.wheel.name]
    installed = uv_install(venv, _root(world), project.name)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    _shows(world, project, "active", prefix=pinned)
    assert requests.get(_file_url(world, project, pinned), timeout=30).status_code == 200


def test_deprecated_and_archived_projects_stay_installable(world, project, tmp_path):
    for status in ("deprecated", "archived"):
        _set(world.pub, world, project, status, f"{status} on purpose")
        got = _download(project, _root(world), tmp_path / status)
        assert got.returncode == 0, got.stdout + got.stderr
        assert [p.name for p in (tmp_path / status).iterdir()] == [project.wheel.name]


def test_every_status_change_reaches_remembered_pages_at_once(world, project):
    """A status change is a new version: its announcement names the project, and the task ends
    only once every content app dropped the pages it remembered."""
    url = _root(world) + project.name + "/"
    for status in ("deprecated", "archived", "quarantined"):
        for _ in range(3):  # remembered
            requests.get(url, headers=JSON, timeout=30)
        _set(world.pub, world, project, status)
        assert requests.get(url, headers=JSON, timeout=30).json()["project-status"] == {
            "status": status
        }
    _set(world.owner, world, project, "active")
    assert requests.get(url, headers=JSON, timeout=30).json()["project-status"]["status"] == (
        "active"
    )


def test_a_hostile_reason_is_escaped(world, project):
    hostile = '"><script>alert(1)</script><meta name="pypi:project-status" content="active'
    _set(world.pub, world, project, "deprecated", hostile)
    html = requests.get(_root(world) + project.name + "/", headers=HTML, timeout=30).text
    assert "<script>" not in html
    assert html.count('name="pypi:project-status"') == 1
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    _shows(world, project, "deprecated", hostile)  # and read back exactly, in both formats


# ---- uploads ---------------------------------------------------------------------------------


def test_uploads_to_archived_or_quarantined_projects_are_refused_with_the_reason(world, project):
    later = wheel(world.files, project.name, "2.0")
    auth = (world.pub.username, PASSWORD)
    for status in ("archived", "quarantined"):
        reason = f"{status} by the test"
        _set(world.pub, world, project, status, reason)
        twine = twine_upload(world.a, world.pub, later)
        assert twine.returncode != 0
        assert "403" in twine.stdout + twine.stderr
        assert f"is {status}" in twine.stdout + twine.stderr  # the reason phrase says why
        legacy = legacy_post(world.a, auth, later.name, later.read_bytes())
        assert legacy.status_code == 403
        assert f"is {status}" in legacy.text and reason in legacy.text
        rest = world.pub.post(
            "content/teamindex/packages/",
            data={"repository": world.a["repository"]["pulp_href"]},
            files={"file": (later.name, later.read_bytes())},
        )
        assert rest.status_code == 403, rest.text
        assert reason in rest.json()["detail"]
        _set(world.admin, world, project, "active")
    _set(world.pub, world, project, "deprecated")  # deprecated is active for the index
    assert twine_upload(world.a, world.pub, later).returncode == 0
    assert len(_page(world, project, ACCEPT_JSON_ONLY).packages) == 2
    refusals = world.admin.get(world.a["repository"]["pulp_href"] + "refusals/").json()
    assert {r["status"] for r in refusals if r["filename"] == later.name} == {403}


def test_imports_and_promotions_bring_no_new_file_into_a_closed_project(pulp, world, project):
    repo = world.a["repository"]["pulp_href"]
    _set(world.pub, world, project, "archived", "frozen")
    root = pulp.state_dir / "imports" / project.name
    root.mkdir(parents=True)
    later = wheel(root, project.name, "3.0")
    task = world.pub.ok(world.pub.post(repo + "import/", json={"path": str(root)}))
    assert task["result"]["imported"] == 0
    assert [r["file"] for r in task["result"]["refused"]] == [later.name]
    assert "is archived" in task["result"]["refused"][0]["reason"]

    # a name another index owns comes in only as that index's files (promotion), and a
    # version adding a new one to an archived project is refused, whatever made it
    name = f"st-{uuid.uuid4().hex[:8]}"
    staging = make_index(world.admin, publisher=world.pub.username)
    try:
        first = _publish(world, staging, world.pub, name, "1.0")
        source = {"source": staging["repository"]["pulp_href"], "project": name}
        world.pub.ok(world.pub.post(repo + "promote/", json={**source, "version": "1.0"}))
        promoted = SimpleNamespace(name=name, wheel=first)
        _set(world.pub, world, promoted, "archived", "frozen")
        _publish(world, staging, world.pub, name, "2.0")
        task = world.pub.wait(world.pub.post(repo + "promote/", json={**source, "version": "2.0"}))
        assert task["state"] == "failed"
        assert f"Project '{name}' is archived" in task["error"]["description"]
        _shows(world, promoted, "archived", "frozen")
    finally:
        world.admin.ok(world.admin.delete(staging["repository"]["pulp_href"]))


def test_a_quarantine_follows_the_bytes_into_every_index(world):
    """A quarantine is the deployment's incident switch: the copies promoted into another index
    before it stop being served there too (latest and pinned views), and no promote, modify or
    upload carries the project's files into any index while it holds."""
    name = f"st-{uuid.uuid4().hex[:8]}"
    staging = make_index(world.admin, publisher=world.pub.username)
    repo = world.a["repository"]["pulp_href"]
    try:
        first = _publish(world, staging, world.pub, name, "1.0")
        second = _publish(world, staging, world.pub, name, "2.0")
        source = {"source": staging["repository"]["pulp_href"], "project": name}
        world.pub.ok(world.pub.post(repo + "promote/", json={**source, "version": "1.0"}))
        copied = SimpleNamespace(name=name, wheel=first)
        pinned = f"versions/{_latest_number(world)}/"
        assert requests.get(_file_url(world, copied), timeout=30).status_code == 200

        body = {"project": name, "status": "quarantined", "reason": "stolen token"}
        staging_repo = staging["repository"]["pulp_href"]
        world.pub.ok(world.pub.post(staging_repo + "set_project_status/", json=body))
        for prefix in ("", pinned):  # A never set a status, yet shows and serves none
            _shows(world, copied, "quarantined", "stolen token", files=0, prefix=prefix)
            withheld = requests.get(_file_url(world, copied, prefix), timeout=30)
            assert withheld.status_code == 403, prefix
            assert "quarantined in another index" in withheld.text
            assert staging["name"] not in withheld.text
            assert not withheld.content.startswith(b"PK")
            metadata = requests.get(_file_url(world, copied, prefix) + ".metadata", timeout=30)
            assert metadata.status_code == 403

        promote = world.pub.wait(
            world.pub.post(repo + "promote/", json={**source, "version": "2.0"})
        )
        assert promote["state"] == "failed"
        assert "quarantined in another index" in promote["error"]["description"]
        (unit,) = world.admin.get(
            "content/teamindex/packages/", params={"filename": second.name}
        ).json()["results"]
        modify = world.pub.wait(
            world.pub.post(repo + "modify/", json={"add_content_units": [unit["pulp_href"]]})
        )
        assert modify["state"] == "failed"
        assert "quarantined in another index" in modify["error"]["description"]
        assert _latest_number(world) == int(pinned.split("/")[1])  # no version was made
        third = wheel(world.files, name, "3.0")
        auth = (world.pub.username, PASSWORD)
        upload = legacy_post(staging, auth, third.name, third.read_bytes())
        assert upload.status_code == 403 and "quarantined" in upload.text

        lifted = {"project": name, "status": "active", "reason": ""}
        world.admin.ok(world.admin.post(staging_repo + "set_project_status/", json=lifted))
        for prefix in ("", pinned):
            _shows(world, copied, "active", files=1, prefix=prefix)
            assert requests.get(_file_url(world, copied, prefix), timeout=30).status_code == 200
    finally:
        world.admin.ok(world.admin.delete(staging["repository"]["pulp_href"]))


# ---- versions --------------------------------------------------------------------------------


def test_statuses_are_content_listed_in_rest_and_versioned(world, project):
    _set(world.pub, world, project, "deprecated", "see st-next")
    number = _latest_number(world)
    latest = world.a["repository"]["pulp_href"] + f"versions/{number}/"
    listed = world.norole.get(
        "content/teamindex/project_statuses/",
        params={"repository_version": latest, "project": project.name.upper()},
    ).json()["results"]
    assert [(s["normalized_name"], s["status"], s["reason"]) for s in listed] == [
        (project.name, "deprecated", "see st-next")
    ]
    summary = world.admin.get(latest).json()["content_summary"]["added"]
    assert "teamindex.project_status" in summary
    _set(world.pub, world, project, "deprecated", "see st-next")  # no change, no version
    assert _latest_number(world) == number
    _set(world.pub, world, project, "archived")  # replaces it: one status per project
    latest = world.a["repository"]["pulp_href"] + f"versions/{_latest_number(world)}/"
    listed = world.admin.get(
        "content/teamindex/project_statuses/",
        params={"repository_version": latest, "project": project.name},
    ).json()["results"]
    assert [s["status"] for s in listed] == ["archived"]


def test_a_rollback_restores_the_previous_status(world, project):
    repo = world.a["repository"]["pulp_href"]
    _set(world.pub, world, project, "archived", "frozen")
    archived = _latest_number(world)
    _set(world.pub, world, project, "deprecated")
    world.pub.ok(world.pub.post(repo + "rollback/", json={"version": archived}))
    _shows(world, project, "archived", "frozen")

    before = _latest_number(world)
    _set(world.pub, world, project, "quarantined", "incident 42")
    quarantined = _latest_number(world)
    refused = world.pub.post(repo + "rollback/", json={"version": before})
    assert refused.status_code == 403
    assert "lift the quarantine" in refused.json()["detail"]
    _set(world.admin, world, project, "active")
    world.pub.ok(world.pub.post(repo + "rollback/", json={"version": quarantined}))
    _shows(world, project, "quarantined", "incident 42", files=0)
    _set(world.owner, world, project, "active")


# ---- who may ---------------------------------------------------------------------------------


def test_only_admins_and_owners_lift_a_quarantine(world, project):
    _set(world.pub, world, project, "quarantined")
    for status in ("active", "archived", "deprecated"):
        refused = _post_status(world.pub, world.a, project.name, status)
        assert refused.status_code == 403
        assert "Only an admin or owner of the index may lift" in refused.json()["detail"]
    units = world.admin.get(
        "content/teamindex/project_statuses/", params={"project": project.name}
    ).json()["results"]
    modify = world.pub.post(
        world.a["repository"]["pulp_href"] + "modify/",
        json={"remove_content_units": [u["pulp_href"] for u in units]},
    )
    assert modify.status_code == 403
    _shows(world, project, "quarantined", files=0)
    _set(world.owner, world, project, "archived")
    _set(world.pub, world, project, "quarantined")
    _set(world.admin, world, project, "active")
    _shows(world, project, "active")


def test_strangers_may_not_set_a_status(world, project):
    anonymous = requests.post(
        world.admin.url(world.a["repository"]["pulp_href"] + "set_project_status/"),
        json={"project": project.name, "status": "quarantined"},
        timeout=30,
    )
    assert anonymous.status_code == 401
    for stranger in (world.norole, world.pubb):  # B's publisher is nobody in A
        refused = _post_status(stranger, world.a, project.name, "quarantined")
        assert refused.status_code == 403, stranger.username
    hidden = _post_status(world.pub, world.b, project.name, "quarantined")
    assert hidden.status_code == 404  # B is private: A's publisher cannot even see it
    _shows(world, project, "active")


def test_input_is_checked_with_messages_a_person_can_act_on(world, project):
    def refused(status="archived", reason="", name=project.name):
        answer = _post_status(world.pub, world.a, name, status, reason)
        assert answer.status_code == 400, answer.text
        return answer.text

    assert all(s in refused("frozen") for s in ("'frozen'", "active", "archived", "quarantined"))
    assert "has no project 'no-such-project'" in refused(name="No.Such_Project")
    assert "at most 500" in refused(reason="x" * 501)
    assert "one line" in refused(reason="line one\nline two")
    assert "keeps no reason" in refused("active", "all clear")
    missing = world.pub.post(world.a["repository"]["pulp_href"] + "set_project_status/", json={})
    assert missing.status_code == 400
    assert {"project", "status"} <= set(missing.json())
    _set(world.pub, world, project, "archived", "x" * 500)  # the bound itself is fine
    _shows(world, project, "archived", "x" * 500)


# ---- the pulp CLI ----------------------------------------------------------------------------


def _pulp(pulp, user, *args):
    account = [f"--username={user.username}", f"--password={user.password}"]
    return run([BIN / "pulp", "--config", pulp.state_dir / "cli.toml", *account, *args])


def test_the_pulp_cli_sets_and_lists_statuses(pulp, world, project):
    index = ("--repository", world.a["name"], "--project", project.name)
    cli = ("teamindex", "project")
    done = _pulp(pulp, world.pub, *cli, "status", *index, "--status", "archived", "--reason", "eol")
    assert done.returncode == 0, done.stdout + done.stderr
    _shows(world, project, "archived", "eol")
    listed = _pulp(pulp, world.pub, *cli, "list", *index)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert '"status": "archived"' in listed.stdout and '"reason": "eol"' in listed.stdout
    bad = _pulp(pulp, world.pub, *cli, "status", *index, "--status", "frozen")
    assert bad.returncode != 0 and "frozen" in bad.stderr
    done = _pulp(pulp, world.pub, *cli, "status", *index, "--status", "quarantined")
    assert done.returncode == 0, done.stdout + done.stderr
    lifting = _pulp(pulp, world.pub, *cli, "status", *index, "--status", "active")
    assert lifting.returncode != 0 and "lift" in lifting.stdout + lifting.stderr
    done = _pulp(pulp, world.admin, *cli, "status", *index, "--status", "active")
    assert done.returncode == 0, done.stdout + done.stderr
    _shows(world, project, "active")
    listed = _pulp(pulp, world.admin, *cli, "list", *index)
    assert listed.returncode == 0 and listed.stdout.strip() == "[]"
