"""Hostile upstreams: an upstream may be slow, stalled, huge, lying or malicious, and still
never leaks a private byte, never answers 500, never echoes a secret, and never slows down any
other index. Each upstream here is a local server started by the test, on 127.0.0.1."""

import hashlib
import html
import http.server
import json
import threading
import time
import uuid
import zipfile
from base64 import b64encode
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urljoin

import pytest
import requests
from distgen import wheel
from helpers import UPSTREAM_LIMITS, make_index, pip, twine_upload, uv

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
HTML = {"Accept": "text/html"}
SECRET = "s3cret-token-do-not-show"
NORMAL = 1.0  # seconds: what any request to a healthy index takes, at most, on this machine
DEADLINE = UPSTREAM_LIMITS["TEAMINDEX_UPSTREAM_TIMEOUT"]


class Hostile(http.server.BaseHTTPRequestHandler):
    """/<behaviour>/simple/<project>/ and /<behaviour>/files/<name>; see do_GET."""

    protocol_version = "HTTP/1.1"
    pages = {}  # project -> JSON document (the "lying" upstream; "html" sends it as PEP 503)
    files = {}  # filename -> bytes served for it
    dripping = set()  # filenames sent one byte now and then, forever
    failing = {}  # project -> "hang" or "broken": how its page fails now
    hits = Counter()  # path -> requests
    stop = threading.Event()

    def do_GET(self):
        self.hits[self.path] += 1
        behaviour, _, rest = self.path.strip("/").partition("/")
        if self.failing.get(rest.partition("/")[2].strip("/")) == "hang":
            self.stop.wait(30)
        elif self.failing.get(rest.partition("/")[2].strip("/")) == "broken":
            self._send(503, b"down for maintenance", "text/plain")
        elif behaviour == "hang":  # accepts, reads the request, never answers
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
            self._lying(rest, html=behaviour == "html")

    def _lying(self, rest, html=False):
        kind, _, name = rest.partition("/")
        if kind == "simple" and name.strip("/") in self.pages:
            page = self.pages[name.strip("/")]
            if html:
                self._send(200, as_html(page).encode(), "text/html")
            else:
                self._send(200, json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json")
        elif kind == "files" and name in self.dripping:
            self._start("application/octet-stream")
            self._stream(b"x", pause=0.2)
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


def as_html(page):
    """A JSON project document as the PEP 503 page an HTML-only upstream would send."""
    status = page.get("project-status", {})
    metas = "".join(
        f'<meta name="pypi:{key}" content="{html.escape(status[field])}">'
        for key, field in (("project-status", "status"), ("project-status-reason", "reason"))
        if field in status
    )
    links = []
    for item in page["files"]:
        attrs = ""
        if "core-metadata" in item:
            attrs = f' data-core-metadata="sha256={item["core-metadata"]["sha256"]}"'
        if item.get("yanked"):
            attrs += f' data-yanked="{html.escape(str(item["yanked"]))}"'
        href = f"{item['url']}#sha256={item['hashes']['sha256']}"
        links.append(f'<a href="{html.escape(href)}"{attrs}>{html.escape(item["filename"])}</a>')
    return f"<!DOCTYPE html><html><head>{metas}</head><body>{''.join(links)}</body></html>"


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


TTL = UPSTREAM_LIMITS["TEAMINDEX_UPSTREAM_TTL"]
STALE_MAX = UPSTREAM_LIMITS["TEAMINDEX_UPSTREAM_STALE_MAX"]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def core_metadata(path):
    """The METADATA inside a wheel that distgen wrote."""
    with zipfile.ZipFile(path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(name)


def offered(path, metadata=None, **fields):
    """A JSON entry for the wheel at `path`, which the upstream then serves (and its core
    metadata, advertised with its digest, when given)."""
    data = path.read_bytes()
    Hostile.files[path.name] = data
    item = {
        "filename": path.name,
        "url": f"../../files/{path.name}",
        "hashes": {"sha256": sha256(data)},
        "size": len(data),
        **fields,
    }
    if metadata is not None:
        Hostile.files[path.name + ".metadata"] = metadata
        item["core-metadata"] = {"sha256": sha256(metadata)}
    return item


def time_of(text):
    return datetime.fromisoformat(text)


def test_upstream_facts_are_relayed_and_the_first_ones_kept(hostile, upstream_index, tmp_path):
    old, new, misdated = (wheel(tmp_path, "facts-lib", v) for v in ("1.0", "2.0", "3.0"))
    meta = core_metadata(old)
    page = {
        "project-status": {"status": "deprecated", "reason": "use facts-ng"},
        "files": [
            offered(old, meta, **{"upload-time": "2024-03-04T05:06:07.000000Z"}),
            offered(new, **{"requires-python": ">=3.9", "yanked": "broken build"}),
            offered(misdated, **{"upload-time": "2999-01-01T00:00:00Z"}),
        ],
    }
    Hostile.pages["facts-lib"] = page
    json_index = upstream_index(f"{hostile}/lying/simple/")
    html_index = upstream_index(f"{hostile}/html/simple/")

    before = datetime.now(UTC)
    doc = requests.get(project_page(json_index, "facts-lib"), headers=JSON, timeout=30).json()
    via_html = requests.get(project_page(html_index, "facts-lib"), headers=JSON, timeout=30).json()
    after = datetime.now(UTC)
    files = {f["filename"]: f for f in doc["files"]}
    assert doc["project-status"] == {"status": "deprecated", "reason": "use facts-ng"}
    assert files[old.name]["upload-time"] == "2024-03-04T05:06:07.000000Z"
    assert files[old.name]["core-metadata"] == {"sha256": sha256(meta)}
    assert files[old.name]["dist-info-metadata"] == {"sha256": sha256(meta)}
    for name in (new.name, misdated.name):  # none given, or impossible: when first seen here
        assert before <= time_of(files[name]["upload-time"]) <= after
        assert "core-metadata" not in files[name]
    assert (files[new.name]["yanked"], files[new.name]["requires-python"]) == (
        "broken build",
        ">=3.9",
    )
    assert files[new.name]["size"] == new.stat().st_size

    html_page = requests.get(project_page(json_index, "facts-lib"), headers=HTML, timeout=30).text
    assert html_page.count("data-core-metadata=") == 1
    assert f'data-core-metadata="sha256={sha256(meta)}"' in html_page
    assert f'data-dist-info-metadata="sha256={sha256(meta)}"' in html_page
    assert '<meta name="pypi:project-status" content="deprecated">' in html_page
    assert '<meta name="pypi:project-status-reason" content="use facts-ng">' in html_page

    # an HTML upstream says the same, but for upload times: when this index first saw them
    html_files = {f["filename"]: f for f in via_html["files"]}
    assert via_html["project-status"] == doc["project-status"]
    assert html_files[old.name]["core-metadata"] == {"sha256": sha256(meta)}
    assert html_files[new.name]["yanked"] == "broken build"
    assert before <= time_of(html_files[old.name]["upload-time"]) <= after

    # the metadata comes from the upstream once, without the wheel, and is kept
    metadata_url = file_url(json_index, old.name) + ".metadata"
    for _ in range(2):
        got = requests.get(metadata_url, timeout=30)
        assert got.status_code == 200, got.text
        assert got.content == meta
    assert requests.get(file_url(json_index, new.name) + ".metadata", timeout=30).status_code == 404

    # later listings change a digest, upload times and a metadata digest: the first ones stay;
    # a yank is the upstream's of the moment
    page["files"][0].update(
        {
            "hashes": {"sha256": "f" * 64},
            "upload-time": "2010-01-01T00:00:00Z",
            "core-metadata": {"sha256": "e" * 64},
        }
    )
    page["files"][1]["yanked"] = False
    page["files"][2]["upload-time"] = "2023-01-01T00:00:00Z"
    time.sleep(TTL + 0.2)
    again = requests.get(project_page(json_index, "facts-lib"), headers=JSON, timeout=30).json()
    now = {f["filename"]: f for f in again["files"]}
    assert now[old.name] == files[old.name]
    assert now[misdated.name]["upload-time"] == files[misdated.name]["upload-time"]
    assert now[new.name]["yanked"] is False
    assert requests.get(metadata_url, timeout=30).content == meta
    assert requests.get(file_url(json_index, old.name), timeout=30).content == old.read_bytes()
    assert Hostile.hits[f"/lying/files/{old.name}.metadata"] == 1


def test_core_metadata_not_matching_its_digest_is_refused_and_not_kept(
    hostile, upstream_index, tmp_path
):
    lib = wheel(tmp_path, "meta-liar", "1.0")
    meta = core_metadata(lib)
    Hostile.pages["meta-liar"] = {"files": [offered(lib, meta)]}
    Hostile.files[lib.name + ".metadata"] = meta.replace(b">=3.8", b">=2.0")
    index = upstream_index(f"{hostile}/lying/simple/")
    assert requests.get(project_page(index, "meta-liar"), timeout=30).status_code == 200
    url = file_url(index, lib.name) + ".metadata"
    for _ in range(2):  # refused, and not kept: the upstream is asked each time
        got = requests.get(url, timeout=30)
        assert got.status_code == 502, got.text
        assert "sha256" in got.text
    assert Hostile.hits[f"/lying/files/{lib.name}.metadata"] == 2

    Hostile.files[lib.name + ".metadata"] = meta
    assert requests.get(url, timeout=30).content == meta
    Hostile.files[lib.name + ".metadata"] = b"Metadata-Version: 2.1\nName: other\n"
    time.sleep(TTL + 0.2)
    assert requests.get(url, timeout=30).content == meta  # kept: the upstream is not asked
    assert Hostile.hits[f"/lying/files/{lib.name}.metadata"] == 3


def test_huge_or_slow_core_metadata_is_bounded(
    hostile, private, publisher, upstream_index, tmp_path
):
    huge, slow = wheel(tmp_path, "meta-huge", "1.0"), wheel(tmp_path, "meta-slow", "1.0")
    Hostile.pages["meta-huge"] = {"files": [offered(huge, b"x" * (2 << 20))]}
    Hostile.pages["meta-slow"] = {"files": [offered(slow, b"never sent")]}
    Hostile.dripping.add(slow.name + ".metadata")
    index = upstream_index(f"{hostile}/lying/simple/")
    for project in ("meta-huge", "meta-slow"):
        assert requests.get(project_page(index, project), timeout=30).status_code == 200

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(timed, file_url(index, slow.name) + ".metadata")
        time.sleep(0.3)
        for url, kwargs in healthy_requests(private, publisher):
            response, took = timed(url, **kwargs)
            assert response.status_code == 200, (url, response.status_code)
            assert took < NORMAL, f"{url} took {took:.2f}s while metadata dripped"
        response, took = pending.result()
    assert response.status_code == 504, response.text
    assert took < DEADLINE + 2
    got = requests.get(file_url(index, huge.name) + ".metadata", timeout=30)
    assert got.status_code == 502
    assert "larger than" in got.text


def test_an_upstream_quarantine_lists_and_serves_no_file(hostile, upstream_index, tmp_path):
    lib = wheel(tmp_path, "quarantine-me", "1.0")
    page = {"files": [offered(lib, core_metadata(lib))]}
    Hostile.pages["quarantine-me"] = page
    index = upstream_index(f"{hostile}/lying/simple/")
    url, file = project_page(index, "quarantine-me"), file_url(index, lib.name)
    assert requests.get(url, headers=JSON, timeout=30).json()["files"]
    assert requests.get(file, timeout=30).status_code == 200

    page["project-status"] = {"status": "quarantined", "reason": "malware found"}
    time.sleep(TTL + 0.2)
    doc = requests.get(url, headers=JSON, timeout=30).json()
    assert doc["project-status"] == {"status": "quarantined", "reason": "malware found"}
    assert doc["files"] == []
    html_page = requests.get(url, headers=HTML, timeout=30).text
    assert '<meta name="pypi:project-status" content="quarantined">' in html_page
    assert lib.name not in html_page
    for path in (file, file + ".metadata"):  # the file fetched before is withheld too
        got = requests.get(path, timeout=30)
        assert got.status_code == 403, got.text
        assert "quarantined in this index's upstream: malware found" in got.text

    del page["project-status"]
    time.sleep(TTL + 0.2)
    assert requests.get(url, headers=JSON, timeout=30).json()["files"]
    assert requests.get(file, timeout=30).status_code == 200


def test_a_failing_upstream_serves_the_last_good_page_for_a_while(
    hostile, private, publisher, upstream_index, tmp_path
):
    lib = wheel(tmp_path, "flaky-lib", "1.0")
    namesake = wheel(tmp_path, "flaky-owned", "1.0")
    Hostile.pages["flaky-lib"] = {"files": [offered(lib)]}
    Hostile.pages["flaky-owned"] = {"files": [offered(namesake)]}
    index = upstream_index(f"{hostile}/lying/simple/")
    url, file = project_page(index, "flaky-lib"), file_url(index, lib.name)
    try:
        good = requests.get(url, headers=JSON, timeout=30)
        read_at = time.monotonic()
        assert "X-Teamindex-Stale" not in good.headers
        assert requests.get(project_page(index, "flaky-owned"), timeout=30).status_code == 200
        assert requests.get(file, timeout=30).status_code == 200

        Hostile.failing.update({"flaky-lib": "broken", "flaky-owned": "broken"})
        ours = wheel(tmp_path, "flaky-owned", "5.0")  # the name gains an owner meanwhile
        assert twine_upload(private["public"], publisher, ours).returncode == 0
        time.sleep(TTL + 0.2)
        stale = requests.get(url, headers=JSON, timeout=30)
        assert stale.status_code == 200, stale.text
        assert stale.json() == good.json()
        assert TTL <= int(stale.headers["X-Teamindex-Stale"]) <= STALE_MAX
        assert requests.get(project_page(index, "flaky-owned"), timeout=30).status_code == 404
        assert requests.get(file, timeout=30).content == lib.read_bytes()

        Hostile.failing["flaky-lib"] = "hang"
        time.sleep(TTL + 0.2)
        stale, took = timed(url, headers=HTML)
        assert stale.status_code == 200, stale.text
        assert "X-Teamindex-Stale" in stale.headers
        assert took < DEADLINE + 1

        time.sleep(max(0, read_at + STALE_MAX + 0.5 - time.monotonic()))
        assert requests.get(url, timeout=30).status_code == 504
        Hostile.failing["flaky-lib"] = "broken"
        assert requests.get(url, timeout=30).status_code == 502
        assert requests.get(file, timeout=30).content == lib.read_bytes()  # held: still served
    finally:
        Hostile.failing.clear()


def test_release_cooldowns_and_metadata_hold_through_the_upstream(
    hostile, upstream_index, tmp_path
):
    """uv resolves from the relayed core metadata alone (no wheel is fetched), and its
    --exclude-newer, like pip's --uploaded-prior-to, sees the upstream's upload times, or when
    this index first saw a file that has none: never earlier than the truth."""
    a1, a2 = (wheel(tmp_path, "cool-a", v, requires=["cool-b"]) for v in ("1.0", "2.0"))
    b1, b2 = (wheel(tmp_path, "cool-b", v) for v in ("1.0", "2.0"))
    old = {"upload-time": "2024-01-01T00:00:00Z"}
    Hostile.pages["cool-a"] = {
        "files": [
            offered(a1, core_metadata(a1), **old),
            offered(a2, core_metadata(a2), **{"upload-time": "2025-06-01T00:00:00Z"}),
        ]
    }
    Hostile.pages["cool-b"] = {
        "files": [offered(b1, core_metadata(b1), **old), offered(b2, core_metadata(b2))]
    }
    url = upstream_index(f"{hostile}/lying/simple/")["distribution"]["index_url"]

    def resolve(*options):
        got = uv(
            "pip",
            "compile",
            "--no-config",
            "--no-cache",
            "--index-url",
            url,
            *options,
            "-",
            input="cool-a\n",
        )
        assert got.returncode == 0, got.stdout + got.stderr
        return got.stdout

    latest = resolve()
    assert "cool-a==2.0" in latest and "cool-b==2.0" in latest
    cooled = resolve("--exclude-newer", "2025-01-01T00:00:00Z")
    assert "cool-a==1.0" in cooled and "cool-b==1.0" in cooled
    assert not any(Hostile.hits[f"/lying/files/{w.name}"] for w in (a1, a2, b1, b2))

    got = pip(
        "download",
        "--no-deps",
        "--index-url",
        url,
        "--uploaded-prior-to",
        "2025-01-01T00:00:00Z",
        "-d",
        tmp_path / "dl",
        "cool-b",
    )
    assert got.returncode == 0, got.stdout + got.stderr
    assert [p.name for p in (tmp_path / "dl").iterdir()] == [b1.name]
