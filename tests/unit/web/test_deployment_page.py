"""The deployment page's pure parts: who sees which entry, escaping, the search hits' links,
the reserved base path; and the memory of its lists (`memory.directories`)."""

import pytest
from web.test_pages import HOSTILE, Elements, assert_inert

from pulp_teamindex.app.change_feed.messages import journal_message, unique_change
from pulp_teamindex.app.simple.memory import Memory
from pulp_teamindex.app.web import deployment_page as page
from pulp_teamindex.app.web.deployment_page import ANONYMOUS, OTHER_GUARD, PUBLIC, Reader

ORIGIN = "http://h/pulp/content/"


def _entry(name, guard, repository=None, projects=3, description="", path=None):
    path = path or name
    return page.entry(
        repository or f"pk-{name}",
        name,
        description,
        path,
        guard,
        projects,
        f"{ORIGIN}{path}/",
        f"{ORIGIN}{path}/simple/",
    )


def assert_page_inert(html):
    """`assert_inert` for a whole page, whose one form is its own search (GET, same page)."""
    forms = [attrs for tag, attrs in Elements(html).found if tag == "form"]
    assert forms == [{"method": "get", "action": "./", "role": "search"}]
    assert_inert(html.replace(html[html.index("<form") : html.index("</form>") + 7], ""))


ENTRIES = (
    _entry("open", PUBLIC),
    _entry("team-a", "guard-a"),
    _entry("team-a-staging", "guard-a", repository="pk-staging"),
    _entry("team-b", "guard-b"),
    _entry("odd", OTHER_GUARD),
)


def _names(entries):
    return [e.name for e in entries]


def test_anonymous_readers_see_public_indexes_only():
    assert _names(page.visible(ENTRIES, ANONYMOUS)) == ["open"]


def test_a_reader_sees_the_indexes_their_guards_let_them_in_and_never_another_kind():
    reader = Reader("alice", frozenset({"guard-a"}))
    assert _names(page.visible(ENTRIES, reader)) == ["open", "team-a", "team-a-staging"]
    everyone = Reader("root", frozenset({"guard-a", "guard-b", OTHER_GUARD}))
    assert _names(page.visible(ENTRIES, everyone)) == ["open", "team-a", "team-a-staging", "team-b"]


def test_a_read_token_sees_only_the_indexes_it_names():
    token = Reader("alice", frozenset({"guard-a"}), scope=frozenset({"pk-staging"}))
    assert _names(page.visible(ENTRIES, token)) == ["team-a-staging"]
    public_only = Reader("alice", frozenset(), scope=frozenset({"pk-open"}))
    assert _names(page.visible(ENTRIES, public_only)) == ["open"]
    assert page.visible(ENTRIES, Reader("alice", frozenset({"guard-b"}), frozenset())) == []


def test_an_entry_shows_name_description_count_and_pip_url_as_text():
    entry = _entry(HOSTILE, "guard-a", projects=1, description=HOSTILE, path="team-x")
    assert_inert(entry.html)
    assert entry.html.count("&lt;script&gt;") == 2
    assert "1 project<" in entry.html and "private" in entry.html
    assert f"<code>{ORIGIN}" in entry.html
    assert "2 projects" in _entry("x", PUBLIC, projects=2).html
    assert "private" not in _entry("x", PUBLIC).html


def test_the_page_lists_only_what_it_is_given_and_says_who_reads():
    status, html = page.render(page.visible(ENTRIES, ANONYMOUS), ANONYMOUS)
    assert status == 200
    assert "team-a" not in html and "odd" not in html
    assert 'href="?login=1"' in html
    reader = Reader(HOSTILE, frozenset({"guard-b"}))
    _status, html = page.render(page.visible(ENTRIES, reader), reader)
    assert_page_inert(html)
    assert "&lt;script&gt;" in html
    assert "Signed in as" in html and "team-b" in html and "login=1" not in html
    token = Reader("ci", frozenset(), frozenset())
    assert "with a read token" in page.render([], token)[1]


def _hit(name, index_url):
    return {
        "name": name,
        "normalized_name": name,
        "version": "1.0",
        "summary": HOSTILE,
        "index": "team-a",
        "index_url": index_url,
    }


def test_a_hit_links_to_its_project_page_in_a_listed_index_only():
    listed = page.visible(ENTRIES, Reader("alice", frozenset({"guard-a"})))
    hits = [_hit("tool", f"{ORIGIN}team-a/simple/"), _hit("other", f"{ORIGIN}elsewhere/simple/")]
    status, html = page.render(listed, ANONYMOUS, "to", hits)
    assert status == 200
    assert f'href="{ORIGIN}team-a/project/tool/"' in html
    assert "elsewhere" not in html  # shown as text without a link to an unlisted index
    assert "2 projects found" in html
    assert_page_inert(html)


def test_a_bad_query_is_a_400_with_the_reason():
    status, html = page.render([], ANONYMOUS, "!", [], "Give q with a letter")
    assert status == 400 and 'role="alert"' in html and "Give q with a letter" in html


@pytest.mark.parametrize(
    ("path", "reserved"),
    [
        ("_indexes", True),
        ("_indexes/", True),
        ("/_indexes/team", True),
        ("_indexes-team", False),
        ("team/_indexes", False),
        ("_Indexes", False),
    ],
)
def test_the_page_path_is_reserved_as_a_first_segment(path, reserved):
    assert page.reserved_base_path(path) is reserved


def test_every_change_forgets_the_lists_and_a_list_read_meanwhile_is_not_kept():
    memory = Memory()
    memory.connected()
    ticket = memory.directories.ticket()
    memory.directories.put("", "list", ticket, memory.routes.trusted)
    assert memory.directories.get("") == "list"
    memory.changed(journal_message("r1", "a", "u1"))  # an upload: a project count may change
    assert memory.directories.get("") is None
    late = memory.directories.ticket()
    memory.changed(unique_change())
    memory.directories.put("", "stale", late, memory.routes.trusted)
    assert memory.directories.get("") is None
    memory.lost()
    memory.directories.put("", "untrusted", memory.directories.ticket(), memory.routes.trusted)
    assert memory.directories.get("") is None


def test_a_list_renders_the_anonymous_page_once_and_bounds_its_searches():
    found = page.Directory(None, ENTRIES)
    first = found.anonymous_page()
    assert found.anonymous_page() is first and "team-a" not in first
    for i in range(5):
        found.remember_search(((), f"q{i}"), ([], ""), most=3)
    assert len(found.searches) <= 3 and ((), "q4") in found.searches
