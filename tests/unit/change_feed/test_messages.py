"""The change feed's message format: what each payload says once parsed."""

import json

from pulp_teamindex.app.change_feed.messages import (
    MAX_NAMED_PROJECTS,
    journal_message,
    owner_message,
    parse,
    unique_change,
)
from pulp_teamindex.app.change_feed.messages import version_message as message


def keeps_routes(payload):
    return parse(payload).keeps_routes


def test_large_changes_are_sent_as_unknown_scope():
    payload = json.loads(message("r1", 2, {f"p{i}" for i in range(MAX_NAMED_PROJECTS + 1)}))
    assert payload["p"] is None
    assert len(message("r1", 2, {"x" * 30 for _ in range(1)})) < 8000


def test_only_changes_that_move_an_index_to_another_version_cost_the_routes():
    assert keeps_routes(journal_message("r1", "a", "u1"))  # an upload into a journal
    assert keeps_routes(owner_message("a"))  # the first release of a project claims its name
    assert not keeps_routes(message("r1", 5, {"a"}))  # a new version
    assert not keeps_routes("d:0f1e")  # a distribution created, edited or removed
    assert not keeps_routes("a:0f1e")  # who may read changed
    assert not keeps_routes("flush")


def test_only_changes_of_access_forget_read_grants():
    assert parse(unique_change("a")).may_change_access  # a user, role, guard or token
    assert parse(unique_change("d")).may_change_access  # a distribution (its guard)
    assert parse("flush").may_change_access
    for other in (message("r1", 5, {"a"}), journal_message("r1", "a", "u1"), owner_message("a")):
        assert not parse(other).may_change_access


def test_a_block_list_change_is_confirmed_and_keeps_routes_and_grants():
    change = parse(unique_change("b"))
    assert change.kind == "block" and change.keeps_routes and not change.may_change_access
    assert parse("b-not-ours").kind == "other"
