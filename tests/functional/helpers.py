"""Helpers for the functional tests: a REST client, and the real clients (twine, pip, uv,
pulp) run isolated from this machine's own package-tool configuration."""

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import cluster as devcluster  # noqa: F401  (the stack scripts in dev/, for fixtures and tests)
import requests
import stack as devstack

ROOT = Path(__file__).resolve().parents[2]

BIN = Path(sys.executable).parent
API = "/pulp/api/v3/"
CLI_CACHE = tempfile.mkdtemp(prefix="teamindex-cli-cache-")
MAX_UPLOAD = 2 * 1024 * 1024  # the test stack's upload limit: small, so it is testable
# The test stack's upstream limits: small, so that hostile upstreams are quick to test.
UPSTREAM_LIMITS = {
    "TEAMINDEX_UPSTREAM_TIMEOUT": 1.5,
    "TEAMINDEX_UPSTREAM_FILE_TIMEOUT": 4.0,
    "TEAMINDEX_UPSTREAM_MAX_PAGE_SIZE": 1024 * 1024,
    "TEAMINDEX_UPSTREAM_MAX_FILE_SIZE": 1024 * 1024,
    "TEAMINDEX_UPSTREAM_TTL": 2.0,
    "TEAMINDEX_UPSTREAM_STALE_MAX": 8.0,
}


# Issuer keys may be fetched again after 1 s (not 30), so key rotation is testable quickly.
OIDC_LIMITS = {"TEAMINDEX_OIDC_KEYS_MIN_INTERVAL": 1.0, "TEAMINDEX_OIDC_FETCH_TIMEOUT": 3.0}


class Client:
    """A requests session against the REST API, with task waiting."""

    def __init__(self, stack, username, password):
        self.stack = stack
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.username, self.password = username, password

    def url(self, path):
        if path.startswith("http"):
            return path
        if path.startswith("/"):
            return self.stack.api_url + path
        return self.stack.api_url + API + path

    def get(self, path, **kw):
        return self.session.get(self.url(path), timeout=60, **kw)

    def post(self, path, **kw):
        return self.session.post(self.url(path), timeout=120, **kw)

    def patch(self, path, **kw):
        return self.session.patch(self.url(path), timeout=60, **kw)

    def delete(self, path, **kw):
        return self.session.delete(self.url(path), timeout=60, **kw)

    def wait(self, response):
        """Follow a 202's task to its end and return the finished task."""
        assert response.status_code == 202, response.text
        task_href = response.json()["task"]
        for _ in range(600):
            task = self.get(task_href).json()
            if task["state"] in ("completed", "failed", "canceled", "skipped"):
                return task
            time.sleep(0.1)
        raise AssertionError(f"task {task_href} did not finish")

    def ok(self, response):
        task = self.wait(response)
        assert task["state"] == "completed", task.get("error")
        return task


def fold(client, index):
    """Fold the index's journal into a version now (uploads are served before that) and
    return the latest version's href."""
    client.ok(client.post(index["repository"]["pulp_href"] + "fold/"))
    return client.get(index["repository"]["pulp_href"]).json()["latest_version_href"]


@contextlib.contextmanager
def running(stack):
    """Start `stack` (a devstack.throwaway) and destroy it afterwards, whatever happens."""
    try:
        devstack.start(stack)
        yield stack
    finally:
        devstack.destroy(stack)


def service_pids(stack, service):
    """Every process of the supervised service (the supervisor's descendants): a crash of the
    service as a whole, as when its container dies."""
    found, parents = [], [(stack.state_dir / f"{service}.pid").read_text().strip()]
    while parents:
        out = subprocess.run(["pgrep", "-P", parents.pop()], capture_output=True, text=True)
        children = out.stdout.split()
        found += [int(pid) for pid in children]
        parents += children
    return found


def account(stack, username):
    """A REST client logged in as one of the accounts every stack creates."""
    return Client(stack, username, stack.secrets[f"{username}_password"])


def make_index(admin, **fields):
    """A team index (repository + distribution) created in one call by `admin`."""
    name = f"team-{uuid.uuid4().hex[:8]}"
    repo = admin.post("repositories/teamindex/teamindex/", json={"name": name, **fields})
    assert repo.status_code == 201, repo.text
    repo = repo.json()
    dist = admin.get(repo["distribution"]).json()
    return {"name": name, "repository": repo, "distribution": dist}


def sha256_of(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def isolated_env():
    """An environment in which pip, uv and twine see none of this machine's configuration:
    no PIP_*/UV_* variables (PIP_FIND_LINKS among them), no config files."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "TWINE_")) and k != "PYTHONPATH"
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        XDG_CACHE_HOME=CLI_CACHE,  # pulp-glue caches API schemas there and never refreshes them
    )
    return env


def run(cmd, env=None, **kw):
    """Run a client in the isolated environment, plus `env`."""
    return subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        env={**isolated_env(), **(env or {})},
        timeout=300,
        **kw,
    )


def pulp_cli(stack, *args, user=None):
    """The real pulp CLI with the stack's config (as admin, or `user`); its JSON output."""
    account = [f"--username={user.username}", f"--password={user.password}"] if user else []
    result = run([BIN / "pulp", "--config", stack.state_dir / "cli.toml", *account, *args])
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def twine_upload(index, user, *files, extra=(), url=None):
    """Run the real twine CLI against the index's upload URL (or `url`)."""
    return run(
        [
            BIN / "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            url or index["distribution"]["upload_url"],
            f"--username={user.username}",
            f"--password={user.password}",
            *extra,
            *files,
        ]
    )


def legacy_post(index, auth, filename, data, form=None):
    """POST a file to the index's twine endpoint as twine would, with `auth` = (user, secret)."""
    return requests.post(
        index["distribution"]["upload_url"],
        timeout=60,
        auth=auth,
        files={"content": (filename, data)},
        data={":action": "file_upload", **(form or {})},
    )


def pip(*args, python=None, env=None):
    """The real pip, isolated from global config, caches and find-links; `python` names the
    environment to act on."""
    target = ["--python", python] if python else []
    command = [sys.executable, "-m", "pip", *target, "--isolated", "--no-cache-dir", *args]
    return run(command, env=env)


def uv(*args, input=None, env=None):
    """The real uv; callers pass --no-config and --no-cache."""
    return run([BIN / "uv", *args], input=input, env=env)


def uv_install(venv, index_url, *requirements):
    """`uv pip install` into `venv` from `index_url` alone, with no configuration or cache."""
    return uv(
        "pip",
        "install",
        "--no-config",
        "--no-cache",
        "--python",
        venv / "bin" / "python",
        "--index-url",
        index_url,
        *requirements,
    )


def guard_index(admin, index, readers):
    """Put `index` behind a new RBAC content guard that lets only `readers` (usernames) in."""
    guard = admin.post("contentguards/core/rbac/", json={"name": f"g-{uuid.uuid4().hex[:8]}"})
    assert guard.status_code == 201, guard.text
    guard = guard.json()
    role = {"role": "core.rbaccontentguard_downloader", "users": list(readers)}
    assert admin.post(guard["pulp_href"] + "add_role/", json=role).status_code == 201
    admin.ok(
        admin.patch(index["distribution"]["pulp_href"], json={"content_guard": guard["pulp_href"]})
    )
    return guard


def trust_policy(admin, index, issuer, claims, **extra):
    """A trusted publisher policy of `index` for identity tokens of `issuer` (an `oidc_issuer`
    issuer) whose claims match `claims`."""
    response = admin.post(
        "teamindex/trusted-publishers/",
        json={
            "name": f"ci-{uuid.uuid4().hex[:6]}",
            "repository": index["repository"]["pulp_href"],
            "issuer": issuer.url,
            "claims": claims,
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def minted_token(stack, identity_token):
    """The upload token `/_/oidc/mint-token` gives for `identity_token`."""
    response = requests.post(
        f"{stack.api_url}/_/oidc/mint-token", json={"token": identity_token}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]
