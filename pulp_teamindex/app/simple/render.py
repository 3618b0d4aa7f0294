"""Render the simple repository API (PEP 503 HTML, PEP 691 JSON) from plain file records.

Pure functions over `FileEntry` tuples: the content app decides which files a page shows and
caches the bytes; this module only turns them into the exact documents pip and uv parse.
Every value is HTML-escaped, because metadata from an upload and everything an upstream sends
are attacker-controlled (upstream values are also validated before they get here).
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from packaging.version import InvalidVersion, Version

API_VERSION = "1.1"
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


def _sort_key(entry):
    try:
        return (0, Version(entry.version), entry.filename)
    except InvalidVersion:
        return (1, entry.version, entry.filename)


def _upload_time(value):
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _html_page(title, body_lines):
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>{escape(title)}</title>\n  </head>\n  <body>\n"
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
    return f"<a {' '.join(attrs)}>{escape(entry.filename)}</a><br>"


def project_page_html(name, files):
    """PEP 503 project page listing every file with its hash and requires-python."""
    entries = sorted(files, key=_sort_key)
    heading = f"<h1>Links for {escape(name)}</h1>"
    return _html_page(f"Links for {name}", [heading, *(_file_anchor(e) for e in entries)])


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
    return doc


def project_page_json(normalized_name, files):
    """PEP 691 project document with the PEP 700 additions (versions, size, upload-time)."""
    entries = sorted(files, key=_sort_key)
    versions = []
    for entry in entries:
        if entry.version not in versions:
            versions.append(entry.version)
    return json.dumps(
        {
            "meta": {"api-version": API_VERSION},
            "name": normalized_name,
            "versions": versions,
            "files": [_file_json(e) for e in entries],
        },
        separators=(",", ":"),
    )
