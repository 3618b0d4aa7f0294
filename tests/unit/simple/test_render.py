import json
from datetime import UTC, datetime, timedelta, timezone

from pulp_teamindex.app.project_status.markers import Marker
from pulp_teamindex.app.simple.render import (
    FileEntry,
    project_list_html,
    project_list_json,
    project_page_html,
    project_page_json,
)

WHEN = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)


def entry(filename, version, **kw):
    values = dict(
        filename=filename,
        url=f"../../packages/{filename}",
        sha256="ab" * 32,
        requires_python="",
        size=10,
        upload_time=WHEN,
        version=version,
    )
    values.update(kw)
    return FileEntry(**values)


def test_html_escapes_everything_from_uploads():
    page = project_page_html(
        "<b>x</b>",
        [entry("x-1.0.tar.gz", "1.0", requires_python='>=3.8"><script>alert(1)</script>')],
    )
    assert "<script>" not in page
    assert 'data-requires-python="&gt;=3.8&quot;&gt;&lt;script&gt;' in page
    assert "<h1>Links for &lt;b&gt;x&lt;/b&gt;</h1>" in page


def test_html_escapes_every_value_even_digests():
    hostile = '"><script>alert(1)</script>'
    page = project_page_html(
        "x",
        [entry("x-1.0.tar.gz", "1.0", sha256=hostile, metadata_sha256=hostile, yanked=hostile)],
    )
    assert "<script>" not in page
    escaped = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert f"#sha256={escaped}" in page
    assert f'data-core-metadata="sha256={escaped}"' in page
    assert f'data-yanked="{escaped}"' in page


def test_html_links_carry_hash_and_metadata_digest():
    page = project_page_html(
        "x", [entry("x-1.0-py3-none-any.whl", "1.0", metadata_sha256="cd" * 32)]
    )
    assert f'href="../../packages/x-1.0-py3-none-any.whl#sha256={"ab" * 32}"' in page
    assert f'data-core-metadata="sha256={"cd" * 32}"' in page
    assert f'data-dist-info-metadata="sha256={"cd" * 32}"' in page
    assert '<meta name="pypi:repository-version" content="1.4">' in page


def test_files_are_ordered_by_version_not_text():
    files = [
        entry("x-10.0.tar.gz", "10.0"),
        entry("x-9.0.tar.gz", "9.0"),
        entry("x-1.0a1.tar.gz", "1.0a1"),
    ]
    doc = json.loads(project_page_json("x", files))
    assert doc["versions"] == ["1.0a1", "9.0", "10.0"]
    assert [f["filename"] for f in doc["files"]] == [
        "x-1.0a1.tar.gz",
        "x-9.0.tar.gz",
        "x-10.0.tar.gz",
    ]


def test_json_has_pep700_fields_in_utc():
    local = WHEN.astimezone(timezone(timedelta(hours=5)))
    doc = json.loads(
        project_page_json(
            "x", [entry("x-1.0.tar.gz", "1.0", upload_time=local, requires_python=">=3.9")]
        )
    )
    assert doc["meta"] == {"api-version": "1.4"}
    (file,) = doc["files"]
    assert file["upload-time"] == "2026-01-02T03:04:05.006000Z"
    assert file["size"] == 10
    assert file["requires-python"] == ">=3.9"
    assert "core-metadata" not in file


def test_project_lists():
    projects = {"b-proj": "B_Proj", "a": "A"}
    assert project_list_html(projects).index('href="a/"') < project_list_html(projects).index(
        'href="b-proj/"'
    )
    assert json.loads(project_list_json(projects))["projects"] == [
        {"name": "A"},
        {"name": "B_Proj"},
    ]


def test_yanks_are_rendered_with_their_reason():
    files = [
        entry("x-1.0.tar.gz", "1.0", yanked=""),
        entry("x-2.0.tar.gz", "2.0", yanked='bad "quote" <i>'),
        entry("x-3.0.tar.gz", "3.0"),
    ]
    page = project_page_html("x", files)
    assert "x-1.0.tar.gz#sha256=" + "ab" * 32 + '" data-yanked>' in page
    assert 'data-yanked="bad &quot;quote&quot; &lt;i&gt;"' in page
    assert page.count("data-yanked") == 2
    doc = json.loads(project_page_json("x", files))
    assert [f["yanked"] for f in doc["files"]] == [True, 'bad "quote" <i>', False]


FILES = [entry("x-1.0.tar.gz", "1.0"), entry("x-2.0-py3-none-any.whl", "2.0")]


def test_every_page_speaks_api_version_1_4():
    for page in (project_list_html({"x": "x"}), project_page_html("x", FILES, Marker())):
        assert '<meta name="pypi:repository-version" content="1.4">' in page
    for doc in (project_list_json({"x": "x"}), project_page_json("x", FILES, Marker())):
        assert json.loads(doc)["meta"] == {"api-version": "1.4"}


def test_an_active_project_states_its_status_without_a_reason():
    page = project_page_html("x", FILES, Marker())
    assert '<meta name="pypi:project-status" content="active">' in page
    assert "pypi:project-status-reason" not in page
    assert page.count("<a href=") == 2
    doc = json.loads(project_page_json("x", FILES, Marker()))
    assert doc["project-status"] == {"status": "active"}
    assert len(doc["files"]) == 2


def test_statuses_and_reasons_are_shown_as_pep_792_says():
    """The meta tags sit in the head, after the API version; JSON has a top-level object."""
    for status in ("archived", "deprecated"):
        marker = Marker(status, "use y instead")
        page = project_page_html("x", FILES, marker)
        head = page.split("</head>")[0]
        assert f'<meta name="pypi:project-status" content="{status}">' in head
        assert '<meta name="pypi:project-status-reason" content="use y instead">' in head
        assert page.count("<a href=") == 2  # archived and deprecated projects stay installable
        doc = json.loads(project_page_json("x", FILES, marker))
        assert doc["project-status"] == {"status": status, "reason": "use y instead"}
        assert len(doc["files"]) == 2


def test_a_quarantined_project_lists_no_file_but_keeps_its_versions():
    marker = Marker("quarantined", "malware in 2.0")
    page = project_page_html("x", FILES, marker)
    assert "<a " not in page and "x-1.0.tar.gz" not in page
    assert '<meta name="pypi:project-status" content="quarantined">' in page
    assert "<h1>Links for x</h1>" in page
    doc = json.loads(project_page_json("x", FILES, marker))
    assert doc["files"] == []
    assert doc["versions"] == ["1.0", "2.0"]  # as PEP 792's example
    assert doc["project-status"] == {"status": "quarantined", "reason": "malware in 2.0"}


def test_a_hostile_reason_is_escaped():
    hostile = '"><script>alert(1)</script><meta name="pypi:project-status" content="active'
    page = project_page_html("x", FILES, Marker("quarantined", hostile))
    assert "<script>" not in page
    assert page.count('name="pypi:project-status"') == 1
    assert (
        '<meta name="pypi:project-status-reason" content="&quot;&gt;&lt;script&gt;alert(1)'
        '&lt;/script&gt;&lt;meta name=&quot;pypi:project-status&quot; content=&quot;active">'
    ) in page
    doc = json.loads(project_page_json("x", FILES, Marker("quarantined", hostile)))
    assert doc["project-status"]["reason"] == hostile


def test_an_upstream_page_states_no_status():
    """An upstream's own status is not relayed: no marker (which means active) is claimed."""
    assert "pypi:project-status" not in project_page_html("x", FILES)
    assert "project-status" not in json.loads(project_page_json("x", FILES))
