"""Read an upstream simple index (PEP 691 JSON, or PEP 503 HTML) for one project, and fetch
one of the files it listed, checking the digest it listed.

Only files the upstream lists with a sha256 are offered: a file that cannot be verified is
never served. URLs come from the upstream's page, resolved against that page, never from a
client's request.
"""

import hashlib
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin

import requests

from .distfiles import InvalidDistribution, check_bare_filename

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.1, "
    "text/html;q=0.01"
)
TIMEOUT = 10
MAX_FILE_BYTES = 1024 * 1024 * 1024


class UpstreamError(Exception):
    """The upstream could not be read or sent something other than it listed."""


@dataclass(frozen=True)
class Listed:
    filename: str
    url: str
    sha256: str
    requires_python: str = ""
    yanked: str | None = None
    size: int = 0


def project_url(upstream, normalized_name):
    return upstream.rstrip("/") + "/" + normalized_name + "/"


def fetch_listing(upstream, normalized_name):
    """The files the upstream lists for a project ([] when it has no such project)."""
    url = project_url(upstream, normalized_name)
    try:
        response = requests.get(url, headers={"Accept": ACCEPT}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise UpstreamError(f"upstream unreachable: {exc}") from exc
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise UpstreamError(f"upstream answered {response.status_code} for {url}")
    if "json" in response.headers.get("Content-Type", ""):
        return parse_json(response.text, response.url)
    return parse_html(response.text, response.url)


def fetch_project_names(index_url):
    """Every project name an index's root page lists (PEP 691 JSON or PEP 503 HTML)."""
    try:
        response = requests.get(index_url, headers={"Accept": ACCEPT}, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise UpstreamError(f"index unreachable: {exc}") from exc
    if response.status_code != 200:
        raise UpstreamError(f"index answered {response.status_code} for {index_url}")
    if "json" in response.headers.get("Content-Type", ""):
        try:
            return [p["name"] for p in json.loads(response.text)["projects"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamError("index sent an unreadable JSON project list") from exc
    parser = _Anchors()
    parser.feed(response.text)
    return [label.strip() for _attrs, label in parser.anchors if label.strip()]


def parse_json(text, page_url):
    try:
        files = json.loads(text)["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise UpstreamError("upstream sent an unreadable JSON page") from exc
    listed = []
    for item in files:
        yanked = item.get("yanked", False)
        entry = _listed(
            item.get("filename", ""),
            urljoin(page_url, item.get("url", "")),
            (item.get("hashes") or {}).get("sha256", ""),
            item.get("requires-python") or "",
            (yanked if isinstance(yanked, str) else "") if yanked else None,
            item.get("size") or 0,
        )
        if entry:
            listed.append(entry)
    return listed


def parse_html(text, page_url):
    parser = _Anchors()
    parser.feed(text)
    listed = []
    for attrs, label in parser.anchors:
        url, fragment = urldefrag(urljoin(page_url, attrs.get("href") or ""))
        sha256 = fragment[len("sha256=") :] if fragment.startswith("sha256=") else ""
        yanked = attrs["data-yanked"] or "" if "data-yanked" in attrs else None
        entry = _listed(label.strip(), url, sha256, attrs.get("data-requires-python") or "", yanked)
        if entry:
            listed.append(entry)
    return listed


def _listed(filename, url, sha256, requires_python, yanked, size=0):
    try:
        check_bare_filename(filename)
    except InvalidDistribution:
        return None
    sha256 = sha256.lower()
    if not filename.endswith((".whl", ".tar.gz")) or len(sha256) != 64:
        return None
    if not url.startswith(("http://", "https://")):
        return None
    return Listed(filename, url, sha256, requires_python, yanked, int(size or 0))


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = (dict(attrs), [])

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self.anchors.append((self._open[0], "".join(self._open[1])))
            self._open = None


def download(url, sha256, destination):
    """Fetch `url` into `destination`, refusing anything but the listed bytes."""
    hasher = hashlib.sha256()
    size = 0
    try:
        with requests.get(url, stream=True, timeout=TIMEOUT) as response:
            if response.status_code != 200:
                raise UpstreamError(f"upstream answered {response.status_code} for {url}")
            with open(destination, "wb") as out:
                for chunk in response.iter_content(1024 * 1024):
                    size += len(chunk)
                    if size > MAX_FILE_BYTES:
                        raise UpstreamError(f"{url} is larger than {MAX_FILE_BYTES} bytes")
                    hasher.update(chunk)
                    out.write(chunk)
    except requests.RequestException as exc:
        raise UpstreamError(f"upstream unreachable: {exc}") from exc
    if hasher.hexdigest() != sha256:
        raise UpstreamError(f"{url} does not have the sha256 the upstream listed; refused")
