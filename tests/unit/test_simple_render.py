import json
from datetime import UTC, datetime, timedelta, timezone

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
    assert '<meta name="pypi:repository-version" content="1.1">' in page


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
    assert doc["meta"] == {"api-version": "1.1"}
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
