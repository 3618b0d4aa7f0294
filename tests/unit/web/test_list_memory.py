"""The web page of an index marks each project's status, and a quarantine set in any index
shows everywhere: a quarantine forgets every index's project list, not only its project's
pages."""

from pulp_teamindex.app.change_feed.messages import version_message
from pulp_teamindex.app.simple.memory import Memory
from pulp_teamindex.app.simple.memory.page_cache import Page
from pulp_teamindex.app.simple.memory.routes import Route


def _route(repository):
    return Route(f"idx-{repository}", repository, f"v-{repository}", 1, False, False)


def test_a_quarantine_in_one_index_forgets_every_project_list():
    memory = Memory()
    memory.connected()
    for repository in ("r1", "r2"):
        listing = Page(body=repository.encode(), etag=repository)
        memory.remember(_route(repository), "web-listing", "", None, listing, memory.ticket())
    memory.changed(version_message("r1", 2, {"b"}))  # no quarantine: r2's list holds
    assert memory.cached(_route("r2"), "web-listing", "", None) is not None
    memory.changed(version_message("r1", 3, {"a"}, {"a"}))
    assert memory.cached(_route("r2"), "web-listing", "", None) is None
