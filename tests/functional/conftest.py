"""A real Pulp stack for the functional tests: pulpcore-api, -content and -worker with
pulp_teamindex, on a private PostgreSQL cluster, free ports and a throwaway state dir."""

import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
import uuid
import zipfile
from functools import partial

import pytest
from helpers import MAX_UPLOAD, ROOT, Client

sys.path.insert(0, str(ROOT / "dev"))
import stack as devstack  # noqa: E402

GENWHEELS = ROOT.parent / "shared" / "tools" / "genwheels.py"


@pytest.fixture(scope="session")
def pulp():
    """Start a disposable stack for the session and tear it down afterwards."""
    stack = devstack.throwaway("test", TEAMINDEX_MAX_UPLOAD_SIZE=MAX_UPLOAD)
    stack.extra_settings["ALLOWED_IMPORT_PATHS"] = [str(stack.state_dir / "imports")]
    try:
        devstack.start(stack)
        yield stack
    finally:
        logs = stack.state_dir / "logs"
        if os.environ.get("TEAMINDEX_KEEP_LOGS") and logs.exists():
            shutil.copytree(logs, os.environ["TEAMINDEX_KEEP_LOGS"], dirs_exist_ok=True)
        devstack.destroy(stack)


def account(stack, username):
    """A REST client logged in as one of the accounts every stack creates."""
    return Client(stack, username, stack.secrets[f"{username}_password"])


@pytest.fixture(scope="session")
def admin(pulp):
    return account(pulp, "admin")


@pytest.fixture(scope="session")
def publisher(pulp):
    return account(pulp, "publisher")


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


def make_wheel(directory, name, version, body=b""):
    dist = name.replace("-", "_")
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{dist}/__init__.py", body + f"VERSION = {version!r}\n".encode())
        zf.writestr(
            f"{dist}-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        )
        zf.writestr(f"{dist}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        zf.writestr(f"{dist}-{version}.dist-info/RECORD", "")
    return path


@pytest.fixture
def upstream(tmp_path):
    """A PEP 503 index on loopback: the attacker's `team-secret` 99.0, an honest `public-lib`,
    and `evil-lib`, whose file does not match the digest its page lists."""
    root = tmp_path / "upstream"
    files = root / "files"
    files.mkdir(parents=True)
    listing = {
        "team-secret": [make_wheel(files, "team-secret", "99.0", b"import os  # attacker\n")],
        "public-lib": [make_wheel(files, "public-lib", "1.0")],
        "evil-lib": [make_wheel(files, "evil-lib", "1.0")],
    }
    for name, wheels in listing.items():
        page = root / "simple" / name
        page.mkdir(parents=True)
        links = "".join(
            f'<a href="../../files/{w.name}#sha256='
            f'{"0" * 64 if name == "evil-lib" else hashlib.sha256(w.read_bytes()).hexdigest()}">'
            f"{w.name}</a>\n"
            for w in wheels
        )
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>{links}</body></html>")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/simple/", "files": listing}
    server.shutdown()
