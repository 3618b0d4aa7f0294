"""Bulk import from a server directory or a simple index URL: one task, one version, every
file validated; an import by URL reaches no internal address the admin did not allow."""

import hashlib
import http.server
import shutil
import socket
import threading
import zipfile
from contextlib import contextmanager
from functools import partial
from urllib.parse import unquote

import pytest
import requests
from distgen import wheel as make_wheel
from helpers import make_index, sha256_of, twine_upload

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
NOT_ALLOWED = "is not allowed for imports"
SETTING = "TEAMINDEX_IMPORT_ALLOWED_HOSTS"


@contextmanager
def serving(handler, host):
    """`handler` served on `host` at a free port, as long as the block runs: its origin."""
    server = http.server.ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def allowed_host(pulp):
    """The one loopback address the test stack lets imports reach (teamindex_plugin.py)."""
    (host,) = pulp.extra_settings[SETTING]
    return host


@pytest.fixture
def source(upstream, allowed_host):
    """The `upstream` fixture's index, served on the allowed address: its simple URL."""
    root = upstream["files"]["public-lib"][0].parent.parent
    with serving(
        partial(http.server.SimpleHTTPRequestHandler, directory=str(root)), allowed_host
    ) as origin:
        yield origin + "/simple/"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def latest_version(admin, index):
    return admin.get(index["repository"]["pulp_href"]).json()["latest_version_href"]


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


def test_import_from_a_simple_index_url(admin, publisher, upstream, source, index):
    repo = index["repository"]["pulp_href"]
    task = publisher.ok(publisher.post(repo + "import/", json={"url": source}))
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
    both = publisher.post(repo + "import/", json={"url": source, "path": "/tmp"})
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


def test_the_publisher_cannot_import_from_internal_addresses(pulp, admin, publisher, index):
    """A stolen publisher token is no internal scanner: the API, the database, the loopback
    under any spelling and the metadata service are refused at the call, in one message that
    does not depend on what listens on the port."""
    repo = index["repository"]["pulp_href"]
    scanned = [pulp.api_port, pulp.pg_port, closed_port()]
    texts = {}
    for url in [f"http://127.0.0.1:{port}/" for port in scanned] + [
        f"http://localhost:{pulp.api_port}/pulp/api/v3/",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::1]:{pulp.api_port}/",
        f"http://[::ffff:127.0.0.1]:{pulp.api_port}/",
        f"http://0.0.0.0:{pulp.api_port}/",
    ]:
        answer = publisher.post(repo + "import/", json={"url": url})
        assert answer.status_code == 400, (url, answer.text)
        (texts[url],) = answer.json()["url"]
        assert NOT_ALLOWED in texts[url] and SETTING in texts[url], texts[url]
    assert len({texts[f"http://127.0.0.1:{port}/"] for port in scanned}) == 1
    assert latest_version(admin, index).endswith("/versions/0/")


class Redirector(http.server.BaseHTTPRequestHandler):
    """/to/<url> answers 302 to <url>: an allowed host that sends the import elsewhere."""

    def do_GET(self):  # noqa: N802
        self.send_response(302)
        self.send_header("Location", unquote(self.path.removeprefix("/to/")))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_redirect_to_an_internal_address_is_refused(pulp, admin, publisher, index, allowed_host):
    """The allowed host's answer is followed only where an import may go: each redirect is
    checked, and the failed task reads the same whatever the port."""
    repo = index["repository"]["pulp_href"]
    scanned = [pulp.api_port, pulp.pg_port, closed_port()]
    errors = {}
    with serving(Redirector, allowed_host) as origin:
        targets = [f"http://127.0.0.1:{port}/" for port in scanned] + [
            f"http://localhost:{pulp.api_port}/pulp/api/v3/",
            f"http://[::1]:{pulp.api_port}/",
            "http://169.254.169.254/latest/meta-data/",
        ]
        for target in targets:
            task = publisher.wait(
                publisher.post(repo + "import/", json={"url": f"{origin}/to/{target}"})
            )
            assert task["state"] == "failed", (target, task)
            errors[target] = task["error"]["description"]
            assert NOT_ALLOWED in errors[target] and SETTING in errors[target], errors[target]
    assert len({errors[f"http://127.0.0.1:{port}/"] for port in scanned}) == 1
    assert latest_version(admin, index).endswith("/versions/0/")


def hostile_index(pulp, origin):
    """Pages on an allowed host whose file URLs (or whose redirects) lead to internal hosts:
    {path: (status, location or body)}."""
    api, db = f"127.0.0.1:{pulp.api_port}", f"127.0.0.1:{pulp.pg_port}"
    digest = "0" * 64
    files = {
        "leak-api": f"http://{api}/pulp/api/v3/leak_api-1.0-py3-none-any.whl",
        "leak-db": f"http://{db}/leak_db-1.0-py3-none-any.whl",
        "leak-local": f"http://localhost:{pulp.api_port}/leak_local-1.0-py3-none-any.whl",
        "leak-ipv6": f"http://[::1]:{pulp.api_port}/leak_ipv6-1.0-py3-none-any.whl",
        "hop-file": f"{origin}/files/hop_file-1.0-py3-none-any.whl",
    }
    routes = {
        "/simple/": (200, "".join(f'<a href="{n}/">{n}</a>' for n in [*files, "hop-page"])),
        "/simple/hop-page/": (302, f"http://{api}/pulp/api/v3/"),
        "/files/hop_file-1.0-py3-none-any.whl": (302, f"http://{api}/pulp/api/v3/"),
    }
    for name, url in files.items():
        routes[f"/simple/{name}/"] = (
            200,
            f'<a href="{url}#sha256={digest}">{url.rsplit("/", 1)[1]}</a>',
        )
    return routes


def test_file_urls_and_page_redirects_to_internal_hosts_are_refused(
    pulp, admin, publisher, index, allowed_host
):
    routes = {}

    class Pages(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, value = routes.get(self.path, (404, ""))
            body = value.encode() if status != 302 else b""
            self.send_response(status)
            if status == 302:
                self.send_header("Location", value)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    repo = index["repository"]["pulp_href"]
    with serving(Pages, allowed_host) as origin:
        routes.update(hostile_index(pulp, origin))
        task = publisher.ok(publisher.post(repo + "import/", json={"url": origin + "/simple/"}))
    assert task["result"]["imported"] == 0
    reasons = {r["file"]: r["reason"] for r in task["result"]["refused"]}
    wheel = "{}-1.0-py3-none-any.whl".format
    leaks = ["leak_api", "leak_db", "leak_local", "leak_ipv6", "hop_file"]
    assert set(reasons) == {*map(wheel, leaks), "hop-page"}
    assert all(NOT_ALLOWED in reason for reason in reasons.values()), reasons
    loopback = {reasons[f] for f in [*map(wheel, ["leak_api", "leak_db", "hop_file"]), "hop-page"]}
    assert len(loopback) == 1, loopback  # the API, the database, a redirect: one answer
    assert latest_version(admin, index).endswith("/versions/0/")
