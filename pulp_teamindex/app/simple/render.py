"""Render the simple repository API (PEP 503 HTML, PEP 691 JSON) from plain file records.

Pure functions over `FileEntry` records: the content app decides which files a page shows and
caches the bytes; this module only turns them into the exact documents pip and uv parse. Every
value is HTML-escaped, because metadata from an upload and everything an upstream sends are
attacker-controlled (upstream values are also validated before they get here).

API version 1.4 (PEP 792 project status markers). Version 1.2 (PEP 708 `tracks` and `alternate-
locations`) only added optional keys, which these pages leave out; 1.3's (PEP 740) `provenance`
/ `data-provenance` is given for each file that has provenance here. A project page of this
index states its status even when it is `active` (PEP 792: SHOULD); one whose status offers no
files (quarantined) lists none, whatever it is given. A page of an upstream's files states the
upstream's status, or none (`status` None, which means `active`) when the upstream states none.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from urllib.parse import quote

from packaging.version import InvalidVersion, Version

API_VERSION = "1.4"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"


@dataclass(frozen=True)
class FileEntry:
    """One file as a project page lists it."""

    filename: str
    url: str
    sha256: str
    requires_python: str
    size: int
    upload_time: datetime
    version: str
    metadata_sha256: str = ""
    yanked: str | None = None  # None: not yanked; a string (maybe empty): the reason
    provenance: str = ""  # the URL of its PEP 740 provenance object; "": none


def provenance_url(project, version, filename):
    """The Integrity API URL of a file's provenance, relative to its project page (PEP 740:
    `<index>/integrity/<project>/<version>/<filename>/provenance`)."""
    parts = "/".join(quote(part, safe="") for part in (project, version, filename))
    return f"../../integrity/{parts}/provenance"


def _sort_key(entry):
    try:
        return (0, Version(entry.version), entry.filename)
    except InvalidVersion:
        return (1, entry.version, entry.filename)


def _upload_time(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _html_page(title, body_lines, metas=()):
    """An HTML5 page; `metas` are (name, content) pairs for the head, after the API version."""
    head = [("pypi:repository-version", API_VERSION), *metas]
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        + "".join(f'    <meta name="{n}" content="{escape(c)}">\n' for n, c in head)
        + f"    <title>{escape(title)}</title>\n  </head>\n  <body>\n"
        + "".join(f"    {line}\n" for line in body_lines)
        + "  </body>\n</html>\n"
    )


def project_list_html(projects):
    """PEP 503 root page; `projects` maps normalized name to display name."""
    links = [
        f'<a href="{escape(normalized)}/">{escape(name)}</a>'
        for normalized, name in sorted(projects.items())
    ]
    return _html_page("Simple index", links)


def project_list_json(projects):
    """PEP 691 root document."""
    return json.dumps(
        {
            "meta": {"api-version": API_VERSION},
            "projects": [{"name": name} for _normalized, name in sorted(projects.items())],
        },
        separators=(",", ":"),
    )


def _file_anchor(entry):
    attrs = [f'href="{escape(entry.url)}#sha256={escape(entry.sha256)}"']
    if entry.requires_python:
        attrs.append(f'data-requires-python="{escape(entry.requires_python)}"')
    if entry.yanked is not None:
        attrs.append(f'data-yanked="{escape(entry.yanked)}"' if entry.yanked else "data-yanked")
    if entry.metadata_sha256:
        digest = f"sha256={escape(entry.metadata_sha256)}"
        attrs.append(f'data-core-metadata="{digest}"')
        attrs.append(f'data-dist-info-metadata="{digest}"')
    if entry.provenance:
        attrs.append(f'data-provenance="{escape(entry.provenance)}"')
    return f"<a {' '.join(attrs)}>{escape(entry.filename)}</a><br>"


def _status_metas(status):
    """PEP 792's meta tags: the status, and its reason when one was given."""
    if status is None:
        return []
    metas = [("pypi:project-status", status.status)]
    if status.reason:
        metas.append(("pypi:project-status-reason", status.reason))
    return metas


def _offered(files, status):
    """The files a page lists, in version order: none when the status offers none."""
    return sorted(files, key=_sort_key) if status is None or status.offers_files else []


def project_page_html(name, files, status=None):
    """PEP 503 project page listing every file with its hash and requires-python, and the
    project's PEP 792 status (a `project_status.markers.Marker`, or None: not stated)."""
    entries = _offered(files, status)
    heading = f"<h1>Links for {escape(name)}</h1>"
    lines = [heading, *(_file_anchor(e) for e in entries)]
    return _html_page(f"Links for {name}", lines, _status_metas(status))


def _file_json(entry):
    doc = {
        "filename": entry.filename,
        "url": entry.url,
        "hashes": {"sha256": entry.sha256},
        "size": entry.size,
        "upload-time": _upload_time(entry.upload_time),
        "yanked": entry.yanked or entry.yanked is not None,
    }
    if entry.requires_python:
        doc["requires-python"] = entry.requires_python
    if entry.metadata_sha256:
        doc["core-metadata"] = {"sha256": entry.metadata_sha256}
        doc["dist-info-metadata"] = {"sha256": entry.metadata_sha256}
    if entry.provenance:
        doc["provenance"] = entry.provenance
    return doc


def _status_json(status):
    doc = {"status": status.status}
    if status.reason:
        doc["reason"] = status.reason
    return doc


def project_page_json(normalized_name, files, status=None):
    """PEP 691 project document with the PEP 700 additions (versions, size, upload-time) and
    the PEP 792 `project-status` (see `project_page_html`). A project that offers no files
    keeps its `versions`, as PEP 792's example of a quarantined project does."""
    versions = []
    for entry in sorted(files, key=_sort_key):
        if entry.version not in versions:
            versions.append(entry.version)
    doc = {"meta": {"api-version": API_VERSION}, "name": normalized_name}
    if status is not None:
        doc["project-status"] = _status_json(status)
    doc["versions"] = versions
    doc["files"] = [_file_json(e) for e in _offered(files, status)]
    return json.dumps(doc, separators=(",", ":"))
