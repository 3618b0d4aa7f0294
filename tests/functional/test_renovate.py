"""A real consumer of the PyPI JSON API: Renovate's `pypi` datasource, installed from npm at the
version pinned in tests/functional/renovate/ (dev/bootstrap runs `npm ci` into .renovate/), run
with `--platform=local --dry-run=lookup` in a git work tree made here, whose requirements.txt
pins an old release of a project of ours.

Renovate calls `<registryUrl><project>/json` for a registry URL not ending in `simple/`, and
falls back to the simple API when that fails: a recording proxy between it and the content app
shows which URL it asked for and what the content app answered, so a pass cannot come from the
fallback. It must reach nothing else (no presets, no changelogs): the proxy is the only host in
its HTTP statistics. A missing Renovate fails these tests; it never skips them."""

import http.server
import json
import os
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlsplit

import pytest
from helpers import ROOT, guard_index, make_index
from test_web_pages import PASSWORD, upload

RENOVATE = ROOT / ".renovate" / "node_modules" / ".bin" / "renovate"
RELEASES = ["1.0", "1.5", "2.0", "3.0"]  # 3.0 is yanked: 2.0 is the update to propose


class Recorder(http.server.ThreadingHTTPServer):
    """A proxy to the content app that records (method, path, status, content type)."""

    def __init__(self, origin):
        super().__init__(("127.0.0.1", 0), _Forward)
        self.origin = origin.rstrip("/")
        self.seen = []

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"


class _Forward(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        request = urllib.request.Request(self.server.origin + self.path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, body, got = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, body, got = error.code, error.read(), error.headers
        self.server.seen.append((self.path, status, got.get("Content-Type", "")))
        self.send_response(status)
        for name in ("Content-Type", "WWW-Authenticate"):
            if got.get(name):
                self.send_header(name, got[name])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder(pulp):
    server = Recorder(pulp.content_origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def project(admin, publisher, index, tmp_path):
    """`ren-<tag>` 1.0, 1.5, 2.0 and 3.0 in the index, 3.0 yanked."""
    name = f"ren-{uuid.uuid4().hex[:6]}"
    upload(publisher, index, tmp_path, name, RELEASES, summary="Renovate's subject")
    body = {"project": name, "version": "3.0", "reason": "broken"}
    publisher.ok(publisher.post(index["repository"]["pulp_href"] + "yank/", json=body))
    return name


def work_tree(directory, name, registry):
    """A git work tree pinning `name` 1.0, configured to look it up at `registry` only."""
    directory.mkdir()
    (directory / "requirements.txt").write_text(f"{name}==1.0\n")
    config = {
        "extends": [],
        "fetchChangeLogs": "off",
        "separateMajorMinor": False,  # one update, to the newest release, not one per bucket
        "packageRules": [{"matchDatasources": ["pypi"], "registryUrls": [registry]}],
    }
    (directory / "renovate.json").write_text(json.dumps(config))
    git = ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "pins"]):
        subprocess.run([*git, *args], cwd=directory, check=True, capture_output=True)
    return directory


def renovate(tree, state, host_rules=()):
    """Run Renovate on `tree`; its JSON log lines."""
    assert RENOVATE.exists(), f"Renovate is not installed at {RENOVATE}: run dev/bootstrap"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(state),
        "LOG_LEVEL": "debug",
        "LOG_FORMAT": "json",
        "RENOVATE_BASE_DIR": str(state / "base"),
        "RENOVATE_CACHE_DIR": str(state / "cache"),
        "RENOVATE_CONFIG_FILE": str(state / "none.json"),  # no global config file
        "RENOVATE_HOST_RULES": json.dumps(list(host_rules)),
    }
    (state / "none.json").write_text("{}")
    command = [
        RENOVATE,
        "--platform=local",
        "--dry-run=lookup",
        "--onboarding=false",
        "--require-config=optional",
    ]
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return lines


def updates(lines, name):
    """The new versions Renovate proposes for `name`."""
    (found,) = [line for line in lines if line["msg"] == "packageFiles with updates"]
    deps = [d for f in found["config"]["pip_requirements"] for d in f["deps"]]
    (dep,) = [d for d in deps if d["depName"] == name]
    return [u["newVersion"] for u in dep.get("updates", [])]


def hosts(lines):
    """The hosts Renovate sent requests to."""
    (stats,) = [line for line in lines if line["msg"] == "HTTP statistics"]
    return set(stats.get("hosts", {}))


def answered_json(recorder, path):
    """Whether the content app answered `path` with a JSON document (200)."""
    return any(
        p == path and s == 200 and t.startswith("application/json") for p, s, t in recorder.seen
    )


def registry_url(recorder, index):
    path = urlsplit(index["distribution"]["index_url"]).path
    return recorder.url + path[: -len("simple/")] + "pypi/"


def test_renovate_proposes_the_newest_release_not_the_yanked_one(
    recorder, index, project, tmp_path
):
    tree = work_tree(tmp_path / "repo", project, registry_url(recorder, index))
    lines = renovate(tree, tmp_path)
    assert updates(lines, project) == ["2.0"]
    json_path = urlsplit(registry_url(recorder, index)).path + f"{project}/json"
    assert answered_json(recorder, json_path), recorder.seen
    assert all("/simple/" not in path for path, _s, _t in recorder.seen), recorder.seen
    assert hosts(lines) == {"127.0.0.1"}  # the proxy alone: nothing from the internet


def test_renovate_reads_a_private_index_with_credentials_only(
    admin, recorder, index, project, tmp_path
):
    reader = f"ren-{uuid.uuid4().hex[:6]}"
    created = admin.post("users/", json={"username": reader, "password": PASSWORD})
    assert created.status_code == 201, created.text
    try:
        guard_index(admin, index, [reader])
        tree = work_tree(tmp_path / "repo", project, registry_url(recorder, index))
        (tmp_path / "without").mkdir()
        lines = renovate(tree, tmp_path / "without")
        assert updates(lines, project) == []
        assert recorder.seen and {status for _p, status, _t in recorder.seen} == {401}
        recorder.seen.clear()
        (tmp_path / "with").mkdir()
        rule = {"matchHost": recorder.url, "username": reader, "password": PASSWORD}
        lines = renovate(tree, tmp_path / "with", [rule])
        assert updates(lines, project) == ["2.0"]
        json_path = urlsplit(registry_url(recorder, index)).path + f"{project}/json"
        assert answered_json(recorder, json_path), recorder.seen
    finally:
        admin.delete(created.json()["pulp_href"])


def test_a_project_the_index_lacks_has_no_update(admin, recorder, tmp_path):
    """A name no index holds: the JSON API answers 404 and Renovate proposes nothing."""
    other = make_index(admin)
    try:
        name = f"ren-missing-{uuid.uuid4().hex[:6]}"
        tree = work_tree(tmp_path / "repo", name, registry_url(recorder, other))
        assert updates(renovate(tree, tmp_path), name) == []
        json_path = urlsplit(registry_url(recorder, other)).path + f"{name}/json"
        assert (json_path, 404) in [(p, s) for p, s, _t in recorder.seen]
    finally:
        admin.ok(admin.delete(other["repository"]["pulp_href"]))
