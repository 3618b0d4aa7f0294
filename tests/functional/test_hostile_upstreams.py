"""Hostile upstreams: an upstream may be slow, stalled, huge, lying or malicious, and still
never leaks a private byte, never answers 500, never echoes a secret, and never slows down any
other index. Each upstream here is a local server started by the test, on 127.0.0.1."""

import hashlib
import http.server
import json
import threading
import time
import uuid
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import pytest
import requests
from distgen import wheel
from helpers import UPSTREAM_LIMITS, make_index, twine_upload

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
HTML = {"Accept": "text/html"}
SECRET = "s3cret-token-do-not-show"
NORMAL = 1.0  # seconds: what any request to a healthy index takes, at most, on this machine
DEADLINE = UPSTREAM_LIMITS["TEAMINDEX_UPSTREAM_TIMEOUT"]


class Hostile(http.server.BaseHTTPRequestHandler):
    """/<behaviour>/simple/<project>/ and /<behaviour>/files/<name>; see do_GET."""

    protocol_version = "HTTP/1.1"
    pages = {}  # project -> JSON document (the "lying" upstream)
    files = {}  # filename -> bytes served for it
    stop = threading.Event()

    def do_GET(self):
        behaviour, _, rest = self.path.strip("/").partition("/")
        if behaviour == "hang":  # accepts, reads the request, never answers
            self.stop.wait(30)
        elif behaviour == "drip":  # answers, then one byte now and then, forever
            self._start("application/vnd.pypi.simple.v1+json")
            self._stream(b" ", pause=0.2)
        elif behaviour == "huge":  # a page far past any sane size
            self._start("text/html")
            self._stream(b"<a>x</a>" * 8192, pause=0)
        elif behaviour == "auth" and self.headers.get("Authorization") != _basic("user", SECRET):
            self._send(401, b"credentials please", "text/plain")
        elif behaviour == "broken":
            self._send(500, f"oops {self.path}".encode(), "text/plain")
        else:
            self._lying(rest)

    def _lying(self, rest):
        kind, _, name = rest.partition("/")
        if kind == "simple" and name.strip("/") in self.pages:
            body = json.dumps(self.pages[name.strip("/")]).encode()
            self._send(200, body, "application/vnd.pypi.simple.v1+json")
        elif kind == "files" and name in self.files:
            self._send(200, self.files[name], "application/octet-stream")
        else:
            self._send(404, b"no", "text/plain")

    def _start(self, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()

    def _stream(self, chunk, pause):
        sent, began = 0, time.monotonic()
        try:
            while not self.stop.is_set() and time.monotonic() - began < 30 and sent < 300 << 20:
                self.wfile.write(chunk)
                sent += len(chunk)
                if pause:
                    self.wfile.flush()
                    self.stop.wait(pause)
        except OSError:
            pass  # the index hung up, as it should

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _basic(user, password):
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def hostile():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    Hostile.stop.set()
    server.shutdown()


@pytest.fixture(scope="module")
def private(admin, publisher, tmp_path_factory):
    """A guarded index holding one private wheel, and a public index with one local wheel."""
    out = tmp_path_factory.mktemp("private")
    guarded, public = make_index(admin), make_index(admin)
    guard = admin.post("contentguards/core/rbac/", json={"name": f"g-{uuid.uuid4().hex[:6]}"})
    assert guard.status_code == 201, guard.text
    role = admin.post(
        guard.json()["pulp_href"] + "add_role/",
        json={"role": "core.rbaccontentguard_downloader", "users": ["publisher"]},
    )
    assert role.status_code == 201, role.text
    secret = wheel(out, "crown-jewels", "1.0", body=b"PRIVATE = 'crown jewels'\n")
    common = wheel(out, "common-util", "1.0")
    assert twine_upload(guarded, publisher, secret).returncode == 0
    assert twine_upload(public, publisher, common).returncode == 0
    admin.ok(
        admin.patch(
            guarded["distribution"]["pulp_href"], json={"content_guard": guard.json()["pulp_href"]}
        )
    )
    yield {"guarded": guarded, "public": public, "secret": secret, "common": common}
    for index in (guarded, public):
        admin.ok(admin.delete(index["repository"]["pulp_href"]))
    admin.delete(guard.json()["pulp_href"])


@pytest.fixture
def upstream_index(admin):
    made = []

    def make(upstream):
        made.append(make_index(admin, upstream=upstream))
        return made[-1]

    yield make
    for index in made:
        admin.ok(admin.delete(index["repository"]["pulp_href"]))


def project_page(index, project):
    return index["distribution"]["index_url"] + project + "/"


def file_url(index, filename):
    return index["distribution"]["index_url"].rsplit("simple/", 1)[0] + "packages/" + filename


def healthy_requests(private, publisher):
    """Requests to other indexes, each timed: the guarded one (full path: content guard,
    database) and the public one (page and file)."""
    auth = (publisher.username, publisher.password)
    guarded, public = private["guarded"], private["public"]
    return [
        (project_page(guarded, "crown-jewels"), {"auth": auth, "headers": JSON}),
        (file_url(guarded, private["secret"].name), {"auth": auth}),
        (project_page(public, "common-util"), {"headers": HTML}),
        (file_url(public, private["common"].name), {}),
    ]


def update(admin, href, **fields):
    """PATCH, then wait for the task if pulpcore ran it in a worker rather than at once."""
    response = admin.patch(href, json=fields)
    if response.status_code == 202:
        admin.ok(response)
    else:
        assert response.status_code == 200, response.text


def timed(url, **kwargs):
    began = time.monotonic()
    response = requests.get(url, timeout=30, **kwargs)
    return response, time.monotonic() - began


def test_misbehaving_upstreams_fail_fast_and_slow_no_other_index(
    hostile, private, publisher, upstream_index
):
    hanging = upstream_index(f"{hostile}/hang/simple/")
    dripping = upstream_index(f"{hostile}/drip/simple/")
    huge = upstream_index(f"{hostile}/huge/simple/")
    broken = upstream_index(f"{hostile}/broken/simple/")
    hostile_requests = [
        (project_page(hanging, "anything"), 504),
        (project_page(hanging, "something-else"), 504),
        (project_page(dripping, "anything"), 504),
        (project_page(huge, "anything"), 502),
        (project_page(broken, "anything"), 502),
    ]
    with ThreadPoolExecutor(max_workers=len(hostile_requests)) as pool:
        pending = [pool.submit(timed, url, headers=HTML) for url, _status in hostile_requests]
        time.sleep(0.3)  # all of them are now waiting on their upstream
        for _round in range(3):
            for url, kwargs in healthy_requests(private, publisher):
                response, took = timed(url, **kwargs)
                assert response.status_code == 200, (url, response.status_code, response.text)
                assert took < NORMAL, f"{url} took {took:.2f}s while upstreams misbehaved"
        outcomes = [future.result() for future in pending]

    for (url, status), (response, took) in zip(hostile_requests, outcomes, strict=True):
        assert response.status_code == status, (url, response.text)
        assert response.text.startswith("Upstream index failed:"), response.text
        assert took < DEADLINE + 2, f"{url} answered after {took:.1f}s"


def test_an_upstream_listing_a_private_digest_gets_no_private_byte(
    hostile, private, upstream_index
):
    secret_bytes = private["secret"].read_bytes()
    digest = hashlib.sha256(secret_bytes).hexdigest()
    filenames = ["bait-1.0-py3-none-any.whl", "bait-2.0-py3-none-any.whl"]
    Hostile.files[filenames[0]] = b"the upstream's own, different bytes"  # 2.0: a 404
    Hostile.pages["bait"] = {
        "files": [
            {"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": digest}}
            for name in filenames
        ]
    }
    index = upstream_index(f"{hostile}/lying/simple/")
    page = requests.get(project_page(index, "bait"), headers=JSON, timeout=30)
    assert page.status_code == 200, page.text
    assert page.headers["X-Teamindex-Source"] == "upstream"
    for listed in page.json()["files"]:
        url = urljoin(project_page(index, "bait"), listed["url"])
        for _ in range(2):
            got = requests.get(url, timeout=30)
            assert got.status_code == 502, got.status_code
            assert secret_bytes not in got.content
            assert b"crown jewels" not in got.content


def test_upstream_values_are_validated_and_escaped(hostile, upstream_index):
    body = b"never downloaded here"
    markup = '"><script>alert(1)</script>'
    digest_markup = markup.ljust(64, "a")  # as long as a sha256, so length alone cannot tell

    def item(name, **changes):
        base = {
            "filename": name,
            "url": f"../../files/{name}",
            "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
            "size": len(body),
        }
        return {**base, **changes}

    Hostile.pages["marked"] = {
        "files": [
            item("marked-1.0.tar.gz", hashes={"sha256": digest_markup}),
            item("marked-1.1.tar.gz", **{"requires-python": ">=3" + markup}),
            item(f"marked-1.2{markup}.tar.gz"),
            item("marked-1.3.tar.gz", size="huge"),
            item("marked-1.4.tar.gz", url="javascript:alert(1)"),
            item("other-1.5.tar.gz"),
            item("marked-1.6.tar.gz", yanked=markup),
            item("marked-2.0.tar.gz"),
        ]
    }
    Hostile.pages["all-bad"] = {"files": [item("all_bad-1.0.tar.gz", size="huge")]}
    Hostile.pages["not-a-page"] = {"files": "nope"}
    index = upstream_index(f"{hostile}/lying/simple/")

    html = requests.get(project_page(index, "marked"), headers=HTML, timeout=30)
    assert html.status_code == 200, html.text
    assert "<script" not in html.text
    assert "marked-2.0.tar.gz" in html.text
    assert 'data-yanked="&quot;&gt;&lt;script&gt;' in html.text
    listed = requests.get(project_page(index, "marked"), headers=JSON, timeout=30).json()
    assert sorted(f["filename"] for f in listed["files"]) == [
        "marked-1.6.tar.gz",
        "marked-2.0.tar.gz",
    ]
    assert requests.get(project_page(index, "all-bad"), timeout=30).status_code == 404
    unusable = requests.get(project_page(index, "not-a-page"), timeout=30)
    assert unusable.status_code == 502
    assert "list of files" in unusable.text


def test_upstream_credentials_are_never_shown(hostile, admin, pulp, tmp_path, upstream_index):
    lib = wheel(tmp_path, "authed-lib", "1.0")
    Hostile.files[lib.name] = lib.read_bytes()
    Hostile.pages["authed-lib"] = {
        "files": [
            {
                "filename": lib.name,
                "url": f"../../files/{lib.name}",
                "hashes": {"sha256": hashlib.sha256(lib.read_bytes()).hexdigest()},
            }
        ]
    }
    host = hostile.split("//", 1)[1]
    authed = upstream_index(f"http://user:{SECRET}@{host}/auth/simple/")
    hanging = upstream_index(f"http://user:{SECRET}@{host}/hang/simple/")
    repository = admin.get(authed["repository"]["pulp_href"]).json()
    assert repository["upstream"] == f"http://****@{host}/auth/simple/"

    page = requests.get(project_page(authed, "authed-lib"), headers=JSON, timeout=30)
    assert page.status_code == 200, page.text
    got = requests.get(urljoin(page.url, page.json()["files"][0]["url"]), timeout=30)
    assert got.content == lib.read_bytes()

    # writing back the shown URL keeps the stored credentials
    shown = repository["upstream"]
    update(admin, authed["repository"]["pulp_href"], upstream=shown)
    assert requests.get(project_page(authed, "authed-lib"), timeout=30).status_code == 200

    answers = [
        requests.get(project_page(hanging, "anything"), timeout=30),
        admin.get(hanging["repository"]["pulp_href"]),
        admin.get(hanging["repository"]["pulp_href"] + "shadowed/"),
        admin.get("repositories/teamindex/teamindex/?limit=1000"),
    ]
    assert answers[0].status_code == 504
    for answer in answers:
        assert SECRET not in answer.text
    for log in (pulp.state_dir / "logs").glob("*.log"):
        assert SECRET not in log.read_text(errors="replace"), log.name


def test_a_changed_or_removed_upstream_stops_serving_at_once(
    hostile, admin, tmp_path, upstream_index
):
    lib = wheel(tmp_path, "fleeting-lib", "1.0")
    Hostile.files[lib.name] = lib.read_bytes()
    Hostile.pages["fleeting-lib"] = {
        "files": [
            {
                "filename": lib.name,
                "url": f"../../files/{lib.name}",
                "hashes": {"sha256": hashlib.sha256(lib.read_bytes()).hexdigest()},
            }
        ]
    }
    index = upstream_index(f"{hostile}/lying/simple/")
    page, file = project_page(index, "fleeting-lib"), file_url(index, lib.name)
    assert requests.get(page, timeout=30).status_code == 200
    assert requests.get(file, timeout=30).status_code == 200

    # the upstream changes its page: seen once the TTL has passed
    Hostile.pages["fleeting-lib"]["files"][0]["requires-python"] = ">=3.99"
    time.sleep(UPSTREAM_LIMITS["TEAMINDEX_UPSTREAM_TTL"] + 0.2)
    assert "&gt;=3.99" in requests.get(page, headers=HTML, timeout=30).text

    # another upstream: nothing the old one listed or sent is served
    update(admin, index["repository"]["pulp_href"], upstream=f"{hostile}/broken/simple/")
    assert requests.get(file, timeout=30).status_code == 404
    assert requests.get(page, timeout=30).status_code == 502
    # no upstream at all
    update(admin, index["repository"]["pulp_href"], upstream="")
    assert requests.get(page, timeout=30).status_code == 404
    assert requests.get(file, timeout=30).status_code == 404
