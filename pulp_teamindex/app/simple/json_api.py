"""PyPI's JSON API (`/pypi/<project>/json`, `/pypi/<project>/<version>/json`), rendered from
plain file records and core metadata.

Pure: the caller (`simple/project_json.py`) decides which files a project shows, with the same
rules as its simple page (guards, block list, quarantine, cooldown, yanks); this module only
shapes PyPI's documented document from them, so the web pages of an index can reuse
`project_document` as their data. Every value is data: `json.dumps` escapes it, and nothing
from metadata becomes a key.

Where the index knows less than PyPI: no md5 or blake2b digest (the index keeps sha256 only),
no download counts (-1, as PyPI answers today), and `info` holds only name and version when
no file of the release has core metadata here (an upstream file not yet installed).
"""

import json
import warnings
from datetime import UTC

import pkginfo
from packaging.version import InvalidVersion, Version

from pulp_teamindex.app.distfiles import WHEEL
from pulp_teamindex.app.project_status.markers import ACTIVE
from pulp_teamindex.app.simple.render import _sort_key as version_order

PACKAGETYPES = {WHEEL: "bdist_wheel"}  # anything else is an sdist
_LIST_FIELDS = ("classifiers", "requires_dist", "provides_extra", "dynamic", "license_files")
_TEXT_FIELDS = (
    "author",
    "author_email",
    "description",
    "description_content_type",
    "download_url",
    "home_page",
    "keywords",
    "license",
    "license_expression",
    "maintainer",
    "maintainer_email",
    "summary",
)
_NO_DOWNLOADS = {"last_day": -1, "last_month": -1, "last_week": -1}


def core_metadata(raw):
    """The `info` fields of one file's core metadata (bytes, or None when unknown); tolerant,
    as PyPI's own reading is: what cannot be parsed is left empty, never an error."""
    dist = pkginfo.Distribution()
    if raw:
        try:
            with warnings.catch_warnings():  # an unknown Metadata-Version is read all the same
                warnings.simplefilter("ignore")
                dist.parse(bytes(raw).decode("utf-8", errors="replace"))
        except Exception:  # pkginfo raises assorted errors on garbage  # noqa: BLE001
            dist = pkginfo.Distribution()
    info = {field: getattr(dist, field, None) or None for field in _TEXT_FIELDS}
    info["classifiers"] = list(dist.classifiers or ())
    info["requires_dist"] = list(dist.requires_dist or ()) or None
    info["provides_extra"] = list(dist.provides_extras or ()) or None
    info["dynamic"] = list(dist.dynamic or ()) or None
    info["license_files"] = list(getattr(dist, "license_file", None) or ()) or None
    info["platform"] = ", ".join(dist.platforms or ()) or None
    info["project_urls"] = _project_urls(dist.project_urls or (), info["home_page"])
    info["requires_python"] = dist.requires_python or None
    return info


def _project_urls(entries, home_page):
    """`Project-URL: label, url` entries as PyPI's {label: url}; Home-page adds "Homepage"."""
    urls = {}
    if home_page:
        urls["Homepage"] = home_page
    for entry in entries:
        label, _, url = entry.partition(",")
        if url.strip():
            urls[label.strip()] = url.strip()
    return urls or None


def chosen_release(entries, wanted=None):
    """The release `info` describes: `wanted` (equal as a PEP 440 version, else as text) when
    some file has it, else None; without `wanted`, PyPI's choice: the highest release that is
    neither yanked nor a pre-release, else the highest not yanked, else the highest."""
    versions = {entry.version for entry in entries}
    if wanted is not None:
        return next((v for v in sorted(versions) if _same_version(v, wanted)), None)
    if not versions:
        return None
    yanked = {v for v in versions if release_yanked(entries, v)[0]}
    return max(versions, key=lambda v: (v not in yanked, not _prerelease(v), _order(v)))


def _same_version(version, wanted):
    try:
        return Version(version) == Version(wanted)
    except InvalidVersion:
        return version == wanted


def _prerelease(version):
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return False


def _order(version):
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, Version("0"), version)


def release_yanked(entries, version):
    """(yanked, reason) of a release: yanked when every one of its files is (PEP 592 yanks
    files; PyPI yanks releases), with the first reason given."""
    files = [e for e in entries if e.version == version]
    if not files or any(e.yanked is None for e in files):
        return False, None
    return True, next((e.yanked for e in files if e.yanked), None)


def file_document(entry):
    """One file as PyPI's JSON API lists it."""
    when = entry.upload_time.astimezone(UTC)
    packagetype = PACKAGETYPES.get(_kind(entry.filename), "sdist")
    return {
        "comment_text": "",
        "digests": {"sha256": entry.sha256},
        "downloads": -1,
        "filename": entry.filename,
        "has_sig": False,
        "packagetype": packagetype,
        "python_version": _python_tag(entry.filename) if packagetype != "sdist" else "source",
        "requires_python": entry.requires_python or None,
        "size": entry.size,
        "upload_time": when.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "url": entry.url,
        "yanked": entry.yanked is not None,
        "yanked_reason": entry.yanked or None,
    }


def _kind(filename):
    return WHEEL if filename.endswith(".whl") else "sdist"


def _python_tag(filename):
    """A wheel's python tag (`py3`, `cp312`): the third field from the end of its name."""
    parts = filename[: -len(".whl")].split("-")
    return parts[-3] if len(parts) >= 5 else "py3"


def project_document(name, entries, metadata, *, serial, links, wanted=None, status=None):
    """PyPI's JSON document for a project (`wanted` None) or one release of it, or None when
    that release has no file here.

    `name`: the display name; `entries`: the files the project shows (FileEntry, `url`
    absolute); `metadata`: the core metadata bytes of a file of the release `info` describes
    (None: unknown); `serial`: an integer that grows with every change of the index; `links`:
    {"project_url": ..., "release_url": ...} with `{version}` in the latter; `status`: the
    project's PEP 792 marker (a quarantined project shows its releases, but no file)."""
    version = chosen_release(entries, wanted)
    if wanted is not None and version is None:
        return None
    offered = list(entries) if status is None or status.offers_files else []
    doc = {
        "info": _info(name, version, entries, metadata, links),
        "last_serial": serial,
        "urls": [
            file_document(e) for e in sorted(offered, key=version_order) if e.version == version
        ],
        "vulnerabilities": [],
    }
    if wanted is None:
        doc["releases"] = _releases(entries, offered)
    if status is not None and status.status != ACTIVE:  # PEP 792's marker, as the simple API
        doc["project-status"] = {"status": status.status, "reason": status.reason or None}
    return doc


def _info(name, version, entries, metadata, links):
    info = core_metadata(metadata)
    yanked, reason = release_yanked(entries, version) if version else (False, None)
    release_url = links["release_url"].format(version=version) if version else None
    info.update(
        {
            "bugtrack_url": None,
            "docs_url": None,
            "downloads": dict(_NO_DOWNLOADS),
            "name": name,
            "package_url": links["project_url"],
            "project_url": links["project_url"],
            "release_url": release_url,
            "version": version,
            "yanked": yanked,
            "yanked_reason": reason,
        }
    )
    if info["requires_python"] is None and version:  # from the file records when no metadata
        info["requires_python"] = next(
            (e.requires_python for e in entries if e.version == version and e.requires_python),
            None,
        )
    return dict(sorted(info.items()))


def _releases(entries, offered):
    """Every release with its files in version order; a release whose files are not offered
    (a quarantine) is kept with none, as the simple API's `versions` keeps it."""
    releases = {}
    for entry in sorted(entries, key=version_order):
        releases.setdefault(entry.version, [])
    for entry in sorted(offered, key=version_order):
        releases[entry.version].append(file_document(entry))
    return releases


def encode(doc):
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")
