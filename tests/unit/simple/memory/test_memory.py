"""The content app's memory as one object: what each change the feed reports makes it forget."""

from pulp_teamindex.app.change_feed.messages import (
    journal_message,
    owner_message,
    unique_change,
    version_message,
)
from pulp_teamindex.app.downloads.book import Reader
from pulp_teamindex.app.simple.memory import Memory
from pulp_teamindex.app.simple.memory.page_cache import Page
from pulp_teamindex.app.simple.memory.routes import Route

HEADER = "Basic cmVhZGVyOnNlY3JldA=="
READER = Reader("reader", "")


def _route(repository, version=1, pinned=False):
    return Route(f"idx-{repository}", repository, f"v-{repository}", version, pinned, True, "g")


def _memory_with_pages():
    """Two indexes, each with a remembered page of projects `a` and `b`, and a read grant."""
    memory = Memory()
    memory.connected()
    for repository in ("r1", "r2"):
        route = _route(repository)
        memory.routes.put(route, memory.routes.ticket())
        for project in ("a", "b"):
            page = Page(body=f"{repository}/{project}".encode(), etag=project)
            memory.remember(route, "page", project, project, page, memory.ticket())
    memory.grants.grant(HEADER, "g", "r1", memory.grants.ticket(), READER)
    return memory


def _pages(memory):
    return {
        (repository, project)
        for repository in ("r1", "r2")
        for project in ("a", "b")
        if memory.cached(_route(repository), "page", project, project) is not None
    }


ALL = {("r1", "a"), ("r1", "b"), ("r2", "a"), ("r2", "b")}


def test_a_new_version_forgets_the_pages_it_touched_in_its_index_only():
    memory = _memory_with_pages()
    memory.changed(version_message("r1", 2, {"a"}))
    assert _pages(memory) == ALL - {("r1", "a")}  # (pages of version 1 still hold for b)
    assert memory.routes.get("idx-r1") is None  # the index moved to another version
    assert memory.grants.allows(HEADER, "g", "r1")


def test_a_quarantine_forgets_its_project_in_every_index():
    memory = _memory_with_pages()
    memory.changed(version_message("r1", 2, {"a"}, {"a"}))
    assert _pages(memory) == {("r1", "b"), ("r2", "b")}


def test_a_journal_upload_or_a_new_owner_keeps_the_routes():
    memory = _memory_with_pages()
    memory.changed(journal_message("r1", "a", "u1"))
    assert memory.routes.get("idx-r1") is not None
    assert ("r1", "a") not in _pages(memory)
    memory.changed(owner_message("b"))
    assert memory.routes.get("idx-r2") is not None
    assert _pages(memory) == {("r2", "a")}


def test_an_access_change_forgets_every_grant_and_route():
    memory = _memory_with_pages()
    memory.changed(unique_change("a"))
    assert not memory.grants.allows(HEADER, "g", "r1")
    assert memory.routes.get("idx-r1") is None
    assert _pages(memory) == ALL


def test_a_lost_feed_forgets_everything_and_stops_remembering():
    memory = _memory_with_pages()
    memory.lost()
    assert _pages(memory) == set() and memory.routes.get("idx-r1") is None
    assert not memory.grants.allows(HEADER, "g", "r1")
    memory.remember(_route("r1"), "page", "a", "a", Page(b"x", "x"), memory.ticket())
    assert _pages(memory) == set()  # nothing is kept while changes could be missed


def test_a_block_list_change_forgets_every_page_but_keeps_routes_and_grants():
    memory = _memory_with_pages()
    memory.changed(unique_change("b"))
    assert _pages(memory) == set()
    assert memory.routes.get("idx-r1") is not None
    assert memory.grants.allows(HEADER, "g", "r1")
