import json
from datetime import UTC, datetime

from pulp_teamindex.app.project_status.markers import Marker
from pulp_teamindex.app.simple.json_api import (
    chosen_release,
    core_metadata,
    encode,
    file_document,
    project_document,
)
from pulp_teamindex.app.simple.render import FileEntry

WHEN = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
LINKS = {"project_url": "http://x/i/simple/p/", "release_url": "http://x/i/pypi/p/{version}/json"}
METADATA = (
    b"Metadata-Version: 2.1\nName: P\nVersion: 2.0\nSummary: a <b>summary</b>\n"
    b"Author: A\nAuthor-email: a@example.com\nLicense: MIT\nHome-page: https://home\n"
    b"Project-URL: Source, https://src\nClassifier: Programming Language :: Python\n"
    b"Requires-Dist: dep>=1\nRequires-Python: >=3.9\n"
    b"Description-Content-Type: text/markdown\n\n# Long\n\ndescription\n"
)


def entry(filename, version, yanked=None, **kw):
    values = dict(
        filename=filename,
        url=f"http://x/i/packages/{filename}",
        sha256="ab" * 32,
        requires_python=">=3.9",
        size=10,
        upload_time=WHEN,
        version=version,
        yanked=yanked,
    )
    values.update(kw)
    return FileEntry(**values)


FILES = [
    entry("p-1.0-py3-none-any.whl", "1.0"),
    entry("p-1.0.tar.gz", "1.0"),
    entry("p-2.0-py3-none-any.whl", "2.0"),
    entry("p-3.0rc1-py3-none-any.whl", "3.0rc1"),
]


def test_info_comes_from_core_metadata_with_pypi_names():
    info = core_metadata(METADATA)
    assert info["summary"] == "a <b>summary</b>"
    assert info["author_email"] == "a@example.com"
    assert info["description"].strip() == "# Long\n\ndescription"
    assert info["description_content_type"] == "text/markdown"
    assert info["classifiers"] == ["Programming Language :: Python"]
    assert info["requires_dist"] == ["dep>=1"]
    assert info["project_urls"] == {"Homepage": "https://home", "Source": "https://src"}
    assert info["maintainer"] is None


def test_garbage_or_missing_metadata_leaves_info_empty():
    for raw in (None, b"", b"\xff\xfe\x00garbage"):
        info = core_metadata(raw)
        assert info["summary"] is None and info["classifiers"] == []


def test_latest_release_is_the_highest_final_one_not_yanked():
    assert chosen_release(FILES) == "2.0"
    yanked_two = [e if e.version != "2.0" else entry(e.filename, "2.0", "bad") for e in FILES]
    assert chosen_release(yanked_two) == "1.0"
    assert chosen_release([entry("p-3.0rc1-py3-none-any.whl", "3.0rc1")]) == "3.0rc1"
    assert chosen_release(FILES, "1.0.0") == "1.0"  # equal as PEP 440 versions
    assert chosen_release(FILES, "9") is None


def test_file_shape_follows_pypi():
    doc = file_document(entry("p-1.0-py3-none-any.whl", "1.0", yanked="broken"))
    assert doc["digests"] == {"sha256": "ab" * 32}
    assert doc["packagetype"] == "bdist_wheel" and doc["python_version"] == "py3"
    assert doc["upload_time"] == "2026-01-02T03:04:05"
    assert doc["upload_time_iso_8601"] == "2026-01-02T03:04:05.006000Z"
    assert doc["yanked"] is True and doc["yanked_reason"] == "broken"
    sdist = file_document(entry("p-1.0.tar.gz", "1.0", requires_python=""))
    assert sdist["packagetype"] == "sdist" and sdist["python_version"] == "source"
    assert sdist["requires_python"] is None and sdist["yanked_reason"] is None


def test_project_document_lists_releases_and_the_latest_files():
    doc = project_document("P", FILES, METADATA, serial=7, links=LINKS)
    assert doc["info"]["name"] == "P" and doc["info"]["version"] == "2.0"
    assert doc["info"]["release_url"] == "http://x/i/pypi/p/2.0/json"
    assert doc["info"]["yanked"] is False and doc["info"]["yanked_reason"] is None
    assert list(doc["releases"]) == ["1.0", "2.0", "3.0rc1"]
    assert [f["filename"] for f in doc["releases"]["1.0"]] == [
        "p-1.0-py3-none-any.whl",
        "p-1.0.tar.gz",
    ]
    assert [f["filename"] for f in doc["urls"]] == ["p-2.0-py3-none-any.whl"]
    assert doc["last_serial"] == 7 and "project-status" not in doc
    assert json.loads(encode(doc)) == doc


def test_release_document_has_no_releases_and_a_yanked_release_says_so():
    files = [entry("p-1.0-py3-none-any.whl", "1.0", "CVE"), entry("p-1.0.tar.gz", "1.0", "")]
    doc = project_document("P", files, None, serial=1, links=LINKS, wanted="1.0")
    assert "releases" not in doc
    assert doc["info"]["yanked"] is True and doc["info"]["yanked_reason"] == "CVE"
    assert doc["info"]["requires_python"] == ">=3.9"  # from the files when no metadata
    assert project_document("P", files, None, serial=1, links=LINKS, wanted="2.0") is None


def test_a_quarantined_project_keeps_its_releases_but_offers_no_file():
    status = Marker("quarantined", "malware")
    doc = project_document("P", FILES, METADATA, serial=1, links=LINKS, status=status)
    assert doc["urls"] == [] and all(files == [] for files in doc["releases"].values())
    assert doc["project-status"] == {"status": "quarantined", "reason": "malware"}


def test_hostile_text_stays_data():
    hostile = b'Metadata-Version: 2.1\nName: p\nVersion: 1.0\nSummary: "},"x":"<script>\n'
    doc = project_document("p", FILES[:1], hostile, serial=1, links=LINKS)
    assert json.loads(encode(doc))["info"]["summary"] == '"},"x":"<script>'
    assert "x" not in json.loads(encode(doc))
