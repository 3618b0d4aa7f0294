"""A real Pulp stack for the functional tests: pulpcore-api, -content and -worker with
pulp_teamindex, on a private PostgreSQL cluster, free ports and a throwaway state dir."""

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from helpers import MAX_UPLOAD, ROOT, Client

sys.path.insert(0, str(ROOT / "dev"))
import stack as devstack  # noqa: E402

GENWHEELS = ROOT.parent / "shared" / "tools" / "genwheels.py"


@pytest.fixture(scope="session")
def pulp():
    """Start a disposable stack for the session and tear it down afterwards."""
    state_dir = Path(tempfile.mkdtemp(prefix="teamindex-test-", dir="/var/tmp"))
    stack = devstack.Stack(
        state_dir,
        api_port=devstack.free_port(),
        content_port=devstack.free_port(),
        pg_port=devstack.free_port(),
        disposable=True,
        extra_settings={
            "TEAMINDEX_MAX_UPLOAD_SIZE": MAX_UPLOAD,
            "ALLOWED_IMPORT_PATHS": [str(state_dir / "imports")],
        },
    )
    try:
        devstack.start(stack)
        yield stack
    finally:
        logs = state_dir / "logs"
        if os.environ.get("TEAMINDEX_KEEP_LOGS") and logs.exists():
            shutil.copytree(logs, os.environ["TEAMINDEX_KEEP_LOGS"], dirs_exist_ok=True)
        devstack.destroy(stack)


@pytest.fixture(scope="session")
def admin(pulp):
    return Client(pulp, "admin", pulp.secrets["admin_password"])


@pytest.fixture(scope="session")
def publisher(pulp):
    return Client(pulp, "publisher", pulp.secrets["publisher_password"])


@pytest.fixture
def index(admin):
    """A fresh team index, created in one call (repository + distribution); deleted after."""
    yield (created := make_index(admin))
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


def make_index(admin, **fields):
    name = f"team-{uuid.uuid4().hex[:8]}"
    repo = admin.post("repositories/teamindex/teamindex/", json={"name": name, **fields})
    assert repo.status_code == 201, repo.text
    repo = repo.json()
    dist = admin.get(repo["distribution"]).json()
    return {"name": name, "repository": repo, "distribution": dist}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """Small valid wheels and sdists: synth-p00000 .. p00002, versions 1.0.0 and 1.1.0; each
    project depends on the previous one."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(GENWHEELS), str(out), "--projects", "3", "--versions", "2", "--sdist"],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture
def venv(tmp_path):
    """An empty virtualenv to install into."""
    path = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path
