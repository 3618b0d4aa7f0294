"""What an upstream index says, checked before anything here believes, stores or renders it.

An upstream is somebody else's server, so every value its pages send is validated: a sha256 of
64 hex digits, a size that is a non-negative integer, a filename that is a wheel or sdist of
the very project asked for, a requires-python that is a PEP 440 specifier set, a PEP 592
yanked value, a URL of http or https. An entry with any invalid value is dropped, whatever else
it says; a page that cannot be read at all raises `UpstreamError`, which clients see as a 502.

Two values only save work or inform, so an invalid one is dropped alone and its file kept: a
core metadata digest (PEP 658/714; without one the client reads the wheel itself, which its
own digest proves) and an upload time (PEP 700; without one the time this deployment first
saw the file stands for it, see `checked_upload_time`). A PEP 792 status the spec does not
define is no status (active).

Pure functions on text: no network, no database, so each rule is unit tested directly.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pulp_teamindex.app.distfiles import parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution, UpstreamError
from pulp_teamindex.app.project_status.markers import ACTIVE, MAX_REASON, STATUSES, Marker

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f\"'<>\\]")
MAX_URL = 2048
MAX_REQUIRES_PYTHON = 256
MAX_YANK_REASON = 1024
MAX_TIME_TEXT = 64
# An upload time before this, or later than the moment it is read plus the skew, is impossible.
EARLIEST_UPLOAD = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Listed:
    """One file an upstream lists, every field checked."""

    filename: str
    url: str
    sha256: str
    requires_python: str = ""
    yanked: str | None = None  # None: not yanked; a string (maybe empty): the reason
    size: int = 0
    upload_time: datetime | None = None  # None: not given, or not possible (see above)
    metadata_sha256: str = ""  # the core metadata's digest; "": none advertised with one


@dataclass(frozen=True)
class Listing:
    """A project page of an upstream: its valid files and its PEP 792 status (None when the
    page states none)."""

    files: list = field(default_factory=list)
    status: Marker | None = None

    @property
    def empty(self):
        """Nothing to show: no file and no status (the upstream has no such project)."""
        return not self.files and self.status is None


def redact(url):
    """`url` with any credentials (user info, query) replaced by ****: fit for an answer, a log
    line or a serializer, while still telling that credentials are set."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
    except ValueError:
        return "(an invalid URL)"
    netloc = f"****@{host}" if "@" in parts.netloc else host
    return urlunsplit((parts.scheme, netloc, parts.path, "****" if parts.query else "", ""))


def parse_json(text, page_url, project):
    """The valid files of a PEP 691 project page for `project` (normalized)."""
    return read_json(text, page_url, project).files


def read_json(text, page_url, project, now=None):
    """The `Listing` of a PEP 691 project page for `project` (normalized), read at `now`."""
    try:
        doc = json.loads(text)
        files = doc.get("files")
    except (ValueError, AttributeError):
        raise UpstreamError("the upstream sent a project page that is not JSON") from None
    if not isinstance(files, list):
        raise UpstreamError("the upstream sent a JSON project page without a list of files")
    now = now or datetime.now(UTC)
    listed = _unique(_from_json(item, page_url, project, now) for item in files)
    stated = doc.get("project-status")
    if not isinstance(stated, dict):
        return Listing(listed)
    return Listing(listed, checked_status(stated.get("status"), stated.get("reason")))


def _from_json(item, page_url, project, now):
    if not isinstance(item, dict):
        return None
    hashes, yanked, size = item.get("hashes"), item.get("yanked", False), item.get("size", 0)
    if not isinstance(hashes, dict) or not isinstance(yanked, bool | str) or not _is_size(size):
        return None
    reason = "" if yanked is True else yanked or None  # "" (PEP 691 forbids it): not yanked
    return checked_entry(
        project,
        page_url,
        filename=item.get("filename"),
        url=item.get("url"),
        sha256=hashes.get("sha256"),
        requires_python=item.get("requires-python") or "",
        yanked=reason,
        size=size,
        upload_time=checked_upload_time(item.get("upload-time"), now),
        metadata_sha256=_json_metadata_digest(item),
    )


def _json_metadata_digest(item):
    """PEP 714's `core-metadata`, else PEP 658's `dist-info-metadata`: the first one present
    decides. Only a sha256 is kept: it is what our metadata is checked against."""
    for key in ("core-metadata", "dist-info-metadata"):
        if key in item:
            value = item[key]
            return checked_digest(value.get("sha256")) if isinstance(value, dict) else ""
    return ""


def parse_html(text, page_url, project):
    """The valid files of a PEP 503 project page for `project` (normalized)."""
    return read_html(text, page_url, project).files


def read_html(text, page_url, project):
    """The `Listing` of a PEP 503 project page for `project` (normalized). HTML pages give no
    upload time."""
    parser = _parsed(text)
    entries = []
    for attrs, label in parser.anchors:
        href = attrs.get("href")
        url, fragment = urldefrag(href) if isinstance(href, str) else ("", "")
        yanked = (attrs["data-yanked"] or "") if "data-yanked" in attrs else None
        entries.append(
            checked_entry(
                project,
                page_url,
                filename=label.strip(),
                url=url,
                sha256=_sha256_of(fragment),
                requires_python=attrs.get("data-requires-python") or "",
                yanked=yanked,
                metadata_sha256=_html_metadata_digest(attrs),
            )
        )
    status = parser.metas.get("pypi:project-status")
    if status is None:
        return Listing(_unique(entries))
    reason = parser.metas.get("pypi:project-status-reason")
    return Listing(_unique(entries), checked_status(status, reason))


def _html_metadata_digest(attrs):
    for key in ("data-core-metadata", "data-dist-info-metadata"):
        if key in attrs:
            return checked_digest(_sha256_of(attrs[key] or ""))
    return ""


def _sha256_of(text):
    """The digest of "sha256=<hex>" (an href fragment, a metadata attribute), else ""."""
    return text[len("sha256=") :] if text.startswith("sha256=") else ""


def checked_digest(value):
    """`value` as a sha256 (lowercase hex), or "" when it is none."""
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        return ""
    return value.lower()


def checked_upload_time(value, now):
    """The PEP 700 upload time `value` (ISO 8601 with its offset), or None when it is missing
    or impossible: not a time, without a time zone, before EARLIEST_UPLOAD, or later than
    `now` plus CLOCK_SKEW.

    None makes the caller show the time this deployment first saw the file, which is never
    earlier than the truth (the file existed upstream before we read it). So a file never
    looks older than it is, and a release cooldown (uv --exclude-newer, pip
    --uploaded-prior-to) stays closed for it at least as long as it should. Treating a bad
    time as "very old" would open the cooldown at once, and refusing the file would let an
    upstream hide a fixed release by misdating it."""
    if not isinstance(value, str) or len(value) > MAX_TIME_TEXT:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None or not EARLIEST_UPLOAD <= when <= now + CLOCK_SKEW:
        return None
    return when.astimezone(UTC)


def checked_status(status, reason):
    """The PEP 792 `Marker` an upstream states, or None for a status PEP 792 does not define
    (which a client takes as active). A reason is kept as one printable line, cut at
    MAX_REASON characters, as reasons set here are."""
    if status not in STATUSES:
        return None
    reason = _printable(reason)[:MAX_REASON] if isinstance(reason, str) else ""
    return Marker(status, "" if status == ACTIVE else reason)


def checked_entry(
    project,
    page_url,
    *,
    filename,
    url,
    sha256,
    requires_python,
    yanked,
    size=0,
    upload_time=None,
    metadata_sha256="",
):
    """A `Listed` if every value is valid for a file of `project`, else None."""
    texts = (filename, url, sha256, requires_python)
    if not all(isinstance(value, str) for value in texts) or not _is_size(size):
        return None
    absolute = absolute_url(page_url, url)
    sha256 = sha256.lower()
    if (
        absolute is None
        or not _SHA256.match(sha256)
        or not is_distribution_of(filename, project)
        or not is_requires_python(requires_python)
        or not (yanked is None or isinstance(yanked, str))
    ):
        return None
    reason = None if yanked is None else _printable(yanked)[:MAX_YANK_REASON]
    return Listed(
        filename,
        absolute,
        sha256,
        requires_python.strip(),
        reason,
        size,
        upload_time,
        checked_digest(metadata_sha256),
    )


def absolute_url(page_url, url):
    """`url` resolved against the page that lists it, if it is a plain http(s) URL."""
    if not url or len(url) > MAX_URL or _UNSAFE_IN_URL.search(url):
        return None
    try:
        absolute = urldefrag(urljoin(page_url, url))[0]
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def is_distribution_of(filename, project):
    """True for the filename of a wheel or sdist of `project` (normalized), and nothing else:
    an upstream page for one project cannot slip in another project's files."""
    try:
        return parse_filename(filename)[1] == project
    except InvalidDistribution:
        return False


def is_requires_python(value):
    if not value.strip():
        return True
    if len(value) > MAX_REQUIRES_PYTHON:
        return False
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        return False
    return True


def _is_size(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _printable(text):
    return "".join(c for c in text if c.isprintable())


def _unique(entries):
    """Valid entries, each filename once (the first listed wins)."""
    seen, kept = set(), []
    for entry in entries:
        if entry is not None and entry.filename not in seen:
            seen.add(entry.filename)
            kept.append(entry)
    return kept


def parse_project_names(text, is_json):
    """The valid project names an index's root page lists (PEP 691 JSON or PEP 503 HTML)."""
    if is_json:
        try:
            projects = json.loads(text).get("projects")
        except (ValueError, AttributeError):
            raise UpstreamError("the index sent a project list that is not JSON") from None
        if not isinstance(projects, list):
            raise UpstreamError("the index sent a JSON project list without projects")
        names = [p.get("name") for p in projects if isinstance(p, dict)]
    else:
        # a directory listing serving as an index writes "name/": the slash is no part of it
        names = [label.strip().rstrip("/") for _attrs, label in _parsed(text).anchors]
    valid = (n for n in names if isinstance(n, str) and _PROJECT_NAME.match(n))
    return list(dict.fromkeys(valid, None))


def _parsed(text):
    parser = _Anchors()
    parser.feed(text)
    parser.close()
    return parser


class _Anchors(HTMLParser):
    """(attributes, text) of every <a> element, attributes unescaped as a browser would, and
    the <meta> names and contents (the first of each name)."""

    def __init__(self):
        super().__init__()
        self.anchors = []
        self.metas = {}
        self._open = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = (dict(attrs), [])
        elif tag == "meta":
            values = dict(attrs)
            name, content = values.get("name"), values.get("content")
            if isinstance(name, str) and isinstance(content, str):
                self.metas.setdefault(name, content)

    def handle_data(self, data):
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self.anchors.append((self._open[0], "".join(self._open[1])))
            self._open = None
