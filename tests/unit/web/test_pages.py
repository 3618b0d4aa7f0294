"""The web pages' pure parts: escaping, safe links, the README, search, the page contents."""

from html.parser import HTMLParser

import pytest

from pulp_teamindex.app.search.terms import BadQuery
from pulp_teamindex.app.web import index_page, markup, project_page, readme, snippets
from pulp_teamindex.app.web.index_page import Project

URLS = {
    "index_url": "http://h/pulp/content/team-a/simple/",
    "upload_url": "http://api/pulp/teamindex/team-a/legacy/",
}
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


class Elements(HTMLParser):
    """Every element and attribute of a document, as a browser's parser sees them."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def assert_inert(html):
    """No script element, event attribute, form, or link or source to a script URL."""
    for tag, attrs in Elements(html).found:
        assert tag not in ("script", "form", "iframe", "object", "embed"), (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            if name in ("href", "src", "action"):
                assert (
                    not (value or "")
                    .strip()
                    .lower()
                    .startswith(("javascript:", "data:text", "vbscript:"))
                ), (tag, attrs)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>x</script>",
        "vbscript:x",
        "//evil.example/x",
        "/relative",
        "http://",
        "https://ok.example/a b",
        None,
        42,
    ],
)
def test_only_absolute_http_urls_become_links(url):
    assert markup.safe_url(url) is None
    assert "<a" not in markup.external_link(url, "x")


def test_http_urls_are_links_without_referrer():
    link = markup.external_link("https://example.com/?a=1&b=2", "src")
    assert link == (
        '<a href="https://example.com/?a=1&amp;b=2" rel="nofollow noopener noreferrer">src</a>'
    )


def test_the_style_sheet_is_allowed_by_its_hash_and_no_script_is():
    csp = markup.SECURITY_HEADERS["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    assert markup.SECURITY_HEADERS["X-Frame-Options"] == "DENY"
    html = markup.page("t", [(None, "i")], "")
    assert f"<style>{markup.CSS}</style>" in html and "<script" not in html


def test_page_shell_escapes_titles_and_crumbs():
    html = markup.page("<b>t</b>", [("../../", "<i>"), (None, "x\"'")], "", "<d>")
    assert "<b>t</b>" not in html and "&lt;b&gt;t&lt;/b&gt;" in html
    assert "&lt;i&gt;" in html and 'aria-current="page">x&quot;&#x27;<' in html
    assert 'name="viewport"' in html and 'lang="en"' in html


@pytest.mark.parametrize("kind", ["text/markdown", "text/x-rst", "text/plain", None, "a/b"])
def test_readme_renders_inert(kind):
    text = (
        f"Title\n=====\n\n{HOSTILE}\n\n[x](javascript:window.__pwned=1) "
        '<a href="javascript:alert(1)">y</a> <form action="http://e"><input name=p></form>\n'
    )
    html = readme.render(text, kind)
    assert_inert(html)
    assert 'name="p"' not in html


def test_readme_markdown_is_rendered_and_broken_rst_shown_as_text():
    assert "<h1" in readme.render("# Hello\n\ntext", "text/markdown; variant=GFM")
    raw = readme.render("T\n=\n\n.. raw:: html\n\n   <script>x</script>\n", "text/x-rst")
    assert "<script" not in raw and "&lt;script&gt;" in raw
    assert readme.render("  ", "text/markdown") == ""


PROJECTS = [
    Project("alpha-tools", "Alpha-Tools", "1.0", "Tools for <b>alpha</b>"),
    Project("beta", "beta", "2.0", "Uses alpha inside", "quarantined", "malware"),
    Project("xalpha", "xalpha", "0.1", ""),
]


def test_search_ranks_names_before_summaries():
    found = [p.normalized for p in index_page.matching(PROJECTS, "alpha")]
    assert found == ["alpha-tools", "xalpha", "beta"]
    assert [p.normalized for p in index_page.matching(PROJECTS, "INSIDE")] == ["beta"]
    with pytest.raises(BadQuery):
        index_page.matching(PROJECTS, "a")


def test_index_page_lists_escaped_projects_and_a_bad_query_is_a_400():
    status, html = index_page.render(PROJECTS, "team-a", URLS)
    assert status == 200 and 'href="project/alpha-tools/"' in html
    assert "Tools for &lt;b&gt;alpha&lt;/b&gt;" in html and '<span class="badge bad">' in html
    status, html = index_page.render(PROJECTS, "team-a", URLS, "<script>")
    assert status == 200 and "<script>" not in html and 'value="&lt;script&gt;"' in html
    status, html = index_page.render(PROJECTS, "team-a", URLS, "!")
    assert status == 400 and "2 to 100 characters" in html


def _doc(**info):
    files = [
        {
            "filename": "p-1.0-py3-none-any.whl",
            "url": "http://h/pulp/content/team-a/packages/p-1.0-py3-none-any.whl",
            "size": 1234,
            "digests": {"sha256": "ab" * 32},
            "upload_time_iso_8601": "2026-01-02T03:04:05.000000Z",
            "requires_python": ">=3.9",
            "yanked": True,
            "yanked_reason": "broken <b>build</b>",
        }
    ]
    base = {"name": "p", "version": "1.0", "summary": HOSTILE, "description": HOSTILE}
    return {"info": {**base, **info}, "releases": {"1.0": files, "0.9": []}}


def test_project_page_shows_files_yanks_and_inert_metadata():
    urls = {"Source": "javascript:window.__pwned=1", "Home": "https://example.com/"}
    html = project_page.render(_doc(project_urls=urls), "team-a", URLS, "p")
    assert_inert(html)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html  # the summary, as text
    assert 'href="../../packages/p-1.0-py3-none-any.whl"' in html
    assert "ab" * 32 in html and "1.2 kB" in html and "2026-01-02 03:04 UTC" in html
    assert "yanked" in html and "broken &lt;b&gt;build&lt;/b&gt;" in html
    assert 'href="https://example.com/"' in html
    assert "pip install --index-url http://h/pulp/content/team-a/simple/ p" in html


def test_project_page_of_a_quarantined_project_says_why():
    doc = _doc()
    doc["project-status"] = {"status": "quarantined", "reason": "stole <i>keys</i>"}
    doc["releases"] = {"1.0": []}
    html = project_page.render(doc, "team-a", URLS, "p")
    assert "Quarantined" in html and "stole &lt;i&gt;keys&lt;/i&gt;" in html
    assert "pip install" not in html.split("Use this index")[0]  # nothing to install
    assert "packages/" not in html.split("Releases and files")[1].split("Use this index")[0]


def test_file_links_stay_inside_the_index():
    index = URLS["index_url"]
    assert project_page.file_href("http://h/pulp/content/team-a/packages/f.whl", index) == (
        "../../packages/f.whl"
    )
    for url in ("https://evil/packages/f.whl", "http://h/pulp/content/team-a/x/../f", None):
        assert project_page.file_href(url, index) is None


def test_snippets_name_the_real_urls():
    found = {
        s.tool: s.text
        for s in snippets.for_index(URLS["index_url"], URLS["upload_url"], "team-a", "p")
    }
    assert set(found) == {"pip", "uv", "poetry", "pipenv", "twine", "Trusted publishing"}
    assert 'url = "http://h/pulp/content/team-a/simple/"' in found["uv"]
    assert "[[tool.uv.index]]" in found["uv"] and "[[tool.poetry.source]]" in found["poetry"]
    assert "[[source]]" in found["pipenv"] and "repository = http://api/" in found["twine"]
    assert "--publish-url http://api/pulp/teamindex/team-a/legacy/" in found["Trusted publishing"]
    assert snippets.source_name("Team_A/versions/3") == "3"
    assert snippets.source_name("a/Team_A") == "team-a"
