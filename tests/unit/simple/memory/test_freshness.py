from pulp_teamindex.app.change_feed.messages import (
    MAX_NAMED_QUARANTINES,
    journal_message,
    owner_message,
    parse,
)
from pulp_teamindex.app.change_feed.messages import version_message as message
from pulp_teamindex.app.simple.memory.freshness import Freshness


def quarantines_in(payload):
    return parse(payload).quarantines


def keeps_routes(payload):
    return parse(payload).keeps_routes


def test_pages_of_untouched_projects_survive_new_versions():
    f = Freshness()
    f.record(parse(message("r1", 5, {"a"})))
    assert f.valid("r1", "b", rendered_at=3, serving=5, tick=0)  # b untouched since 3
    assert not f.valid("r1", "a", rendered_at=3, serving=5, tick=0)  # a changed at 5
    assert f.valid("r1", "a", rendered_at=5, serving=5, tick=0)
    assert f.valid("r2", "a", rendered_at=3, serving=5, tick=0)  # another index


def test_project_list_follows_any_change():
    f = Freshness()
    f.record(parse(message("r1", 4, {"a"})))
    assert not f.valid("r1", None, rendered_at=3, serving=4, tick=0)
    assert f.valid("r1", None, rendered_at=4, serving=4, tick=0)


def test_unknown_scope_invalidates_the_whole_index():
    f = Freshness()
    f.record(parse(message("r1", 7, None)))
    assert not f.valid("r1", "z", rendered_at=6, serving=7, tick=0)
    assert f.valid("r1", "z", rendered_at=7, serving=7, tick=0)


def test_a_page_is_never_valid_for_an_older_version():
    assert not Freshness().valid("r1", "a", rendered_at=5, serving=4, tick=0)


def test_foreign_or_broken_messages_are_ignored():
    f = Freshness()
    for payload in ("", "not json", '{"r": "r1"}', "[]"):
        f.record(parse(payload))
        assert parse(payload).kind == "other"
    assert f.valid("r1", "a", rendered_at=1, serving=1, tick=0)


def test_forget_resets():
    f = Freshness()
    f.record(parse(message("r1", 9, {"a"})))
    f.forget()
    assert f.valid("r1", "a", rendered_at=1, serving=9, tick=0)


def test_owner_messages_name_the_project_and_change_no_version():
    assert parse(owner_message("acme-x")).owner == "acme-x"
    assert parse(message("r1", 1, {"a"})).owner is None
    assert parse("flush").owner is None
    f = Freshness()
    f.record(parse(owner_message("acme-x")))
    assert f.valid("r1", "acme-x", rendered_at=1, serving=1, tick=0)


def test_journal_messages_age_pages_of_their_project_only():
    f = Freshness()
    before = f.now()
    f.record(parse(journal_message("r1", "a", "u1")))
    assert not f.valid("r1", "a", rendered_at=1, serving=1, tick=before)  # missing the upload
    assert not f.valid("r1", None, rendered_at=1, serving=1, tick=before)  # the project list
    assert f.valid("r1", "b", rendered_at=1, serving=1, tick=before)
    assert f.valid("r2", "a", rendered_at=1, serving=1, tick=before)
    assert f.valid("r1", "a", rendered_at=1, serving=1, tick=f.now())  # taken after it


def test_a_fold_with_no_projects_keeps_pages_of_the_journal():
    f = Freshness()
    f.record(parse(message("r1", 2, set())))
    assert f.valid("r1", "a", rendered_at=1, serving=2, tick=0)
    assert not f.valid("r1", None, rendered_at=1, serving=2, tick=0)


def test_quarantine_changes_are_named_for_every_version_of_the_index():
    assert quarantines_in(message("r1", 3, {"a", "b"}, {"b"})) == ("b",)
    assert quarantines_in(message("r1", 3, {"a"})) == ()
    many = {f"p{i}" for i in range(MAX_NAMED_QUARANTINES + 1)}
    assert quarantines_in(message("r1", 3, many, many)) is None  # too many: forget every page
    for other in (journal_message("r1", "a", "u1"), owner_message("a"), "flush", "d:x", "{"):
        assert quarantines_in(other) == ()
    f = Freshness()  # the extra key changes nothing else
    f.record(parse(message("r1", 5, {"a"}, {"a"})))
    assert not f.valid("r1", "a", rendered_at=3, serving=5, tick=0)
