"""pytest plugin with the functional fixtures: a real Pulp stack (pulpcore-api, -content and
-worker with pulp_teamindex, on a private PostgreSQL cluster, free ports and a throwaway state
dir), its accounts, fresh indexes, a generated corpus, a local upstream index and headless
Chromium for the web pages (`browser`).

Loaded with `-p teamindex_plugin` (pyproject.toml); test modules import plain helpers from
`helpers` and `distgen`, never from a conftest."""

import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from functools import partial

import pytest
from distgen import corpus as make_corpus
from distgen import wheel
from helpers import MAX_UPLOAD, OIDC_LIMITS, UPSTREAM_LIMITS, account, devstack, make_index
from oidc_issuer import Issuer, TestCA, github_claims, gitlab_claims
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from sigstore_root import Sigstore


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    """A throwaway certificate authority: the stack trusts it for OIDC issuers, uv for the TLS
    front of the API (trusted publishing speaks HTTPS only)."""
    return TestCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="session")
def provider_issuers(test_ca):
    """Local issuers playing GitHub Actions and GitLab CI, started before the stack: the stack
    names them as its provider presets' issuers (TEAMINDEX_OIDC_PROVIDERS)."""
    issuers = {
        "github": Issuer(test_ca, github_claims(), path="/github"),
        "gitlab": Issuer(test_ca, gitlab_claims(), path="/gitlab"),
    }
    yield issuers
    for issuer in issuers.values():
        issuer.close()


@pytest.fixture(scope="session")
def private_sigstore(tmp_path_factory):
    """A private Sigstore instance (sigstore_root.py): the stack verifies PEP 740 attestations
    against its trust root (TEAMINDEX_SIGSTORE_TRUST_ROOT), never against public Sigstore."""
    return Sigstore(tmp_path_factory.mktemp("sigstore"))


@pytest.fixture(scope="session")
def pulp(test_ca, provider_issuers, private_sigstore):
    """Start a disposable stack for the session and tear it down afterwards."""
    stack = devstack.throwaway(
        "test",
        TEAMINDEX_MAX_UPLOAD_SIZE=MAX_UPLOAD,
        TEAMINDEX_OIDC_CA_BUNDLE=str(test_ca.bundle),
        TEAMINDEX_SIGSTORE_TRUST_ROOT=str(private_sigstore.trusted_root_path),
        TEAMINDEX_OIDC_PROVIDERS={name: i.url for name, i in provider_issuers.items()},
        **OIDC_LIMITS,
        **UPSTREAM_LIMITS,
        # failed logins (test_login_backoff.py): 3 wrong passwords, then a 2 s wait, doubling
        TEAMINDEX_LOGIN_BACKOFF_AFTER=3,
        TEAMINDEX_LOGIN_BACKOFF_DELAY=2.0,
        TEAMINDEX_LOGIN_BACKOFF_MAX_DELAY=4.0,
        TEAMINDEX_LOGIN_BACKOFF_WINDOW=20.0,
        TEAMINDEX_DOWNLOAD_RECORD_FLUSH=0.5,  # test_download_record.py reads it at once
    )
    stack.extra_settings["ALLOWED_IMPORT_PATHS"] = [str(stack.state_dir / "imports")]
    # imports by URL reach loopback only there (test_import.py serves its sources on it)
    stack.extra_settings["TEAMINDEX_IMPORT_ALLOWED_HOSTS"] = ["127.0.0.2"]
    try:
        devstack.start(stack)
        yield stack
    finally:
        logs = stack.state_dir / "logs"
        if os.environ.get("TEAMINDEX_KEEP_LOGS") and logs.exists():
            shutil.copytree(logs, os.environ["TEAMINDEX_KEEP_LOGS"], dirs_exist_ok=True)
        devstack.destroy(stack)


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


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """Small valid wheels and sdists: synth-p00000 .. p00002, versions 1.0.0 and 1.1.0; each
    project depends on the previous one."""
    out = tmp_path_factory.mktemp("corpus")
    make_corpus(out, projects=3, versions=2, sdists=True)
    return out


@pytest.fixture
def venv(tmp_path):
    """An empty virtualenv to install into."""
    path = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


@pytest.fixture
def upstream(tmp_path):
    """A PEP 503 index on loopback: the attacker's `team-secret` 99.0, an honest `public-lib`,
    and `evil-lib`, whose file does not match the digest its page lists; `stop` takes it down."""
    root = tmp_path / "upstream"
    files = root / "files"
    files.mkdir(parents=True)
    listing = {
        "team-secret": [wheel(files, "team-secret", "99.0", body=b"import os  # attacker\n")],
        "public-lib": [wheel(files, "public-lib", "1.0")],
        "evil-lib": [wheel(files, "evil-lib", "1.0")],
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

    def stop():
        """The upstream goes away: its port refuses connections from now on."""
        server.shutdown()
        server.server_close()

    yield {"url": f"http://127.0.0.1:{server.server_port}/simple/", "files": listing, "stop": stop}
    stop()


def _binary(*names):
    found = next((shutil.which(n) for n in names if shutil.which(n)), None)
    assert found, (
        f"install Debian's chromium and chromium-driver (dev/install-system-deps): {names}"
    )
    return found


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium at a laptop's size; no network beyond loopback is ever asked for."""
    options = Options()
    options.binary_location = _binary("chromium", "chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    options.add_argument("--window-size=1100,1000")
    driver = webdriver.Chrome(service=Service(_binary("chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
