"""Pages link an attested file's provenance (PEP 740: JSON `provenance`, HTML
`data-provenance`), relative to the project page, escaped, and only for files that have it."""

import json
from datetime import UTC, datetime

from pulp_teamindex.app.simple.render import (
    FileEntry,
    project_page_html,
    project_page_json,
    provenance_url,
)

WHEEL = "acme_app-1.0+local-py3-none-any.whl"


def _entry(filename, provenance=""):
    return FileEntry(
        filename=filename,
        url=f"../../packages/{filename}",
        sha256="ab" * 32,
        requires_python="",
        size=10,
        upload_time=datetime(2026, 1, 1, tzinfo=UTC),
        version="1.0",
        provenance=provenance,
    )


def test_the_provenance_url_is_relative_and_quoted():
    assert provenance_url("acme-app", "1.0+local", WHEEL) == (
        "../../integrity/acme-app/1.0%2Blocal/acme_app-1.0%2Blocal-py3-none-any.whl/provenance"
    )


def test_only_attested_files_carry_a_provenance_link():
    url = provenance_url("acme-app", "1.0", WHEEL)
    files = [_entry(WHEEL, url), _entry("acme_app-1.0.tar.gz")]
    doc = json.loads(project_page_json("acme-app", files))
    links = {f["filename"]: f.get("provenance") for f in doc["files"]}
    assert links == {WHEEL: url, "acme_app-1.0.tar.gz": None}
    html = project_page_html("acme-app", files)
    assert html.count("data-provenance=") == 1
    assert f'data-provenance="{url}"' in html
