import pytest

from pulp_teamindex.app.search.terms import (
    EXACT,
    NAME,
    PREFIX,
    SUMMARY,
    BadQuery,
    newest,
    parse,
    rank,
)


def test_a_query_is_matched_as_text_and_as_a_normalized_name():
    query, limit = parse("  Foo_Bar   baz ", None)
    assert query.text == "Foo_Bar baz" and query.name == "foo-bar-baz" and limit == 20


@pytest.mark.parametrize(
    ("text", "limit"),
    [(None, None), ("x", None), ("x" * 101, None), ("%%", None), ("ab", "0"), ("ab", "x")],
)
def test_queries_a_person_must_change(text, limit):
    with pytest.raises(BadQuery):
        parse(text, limit)


def test_like_patterns_take_wildcards_literally():
    query, _ = parse("a%b_c\\d", None)
    assert query.like(query.text) == "%a\\%b\\_c\\\\d%"


def test_ranks():
    query, _ = parse("Requests", None)
    assert rank(query, "requests") == EXACT
    assert rank(query, "requests-toolbelt") == PREFIX
    assert rank(query, "types-requests") == NAME
    assert rank(query, "httpx") == SUMMARY


def test_a_hit_shows_its_newest_release():
    files = [{"version": "1.10"}, {"version": "1.9"}, {"version": "not-pep440"}]
    assert newest(files)["version"] == "1.10"
