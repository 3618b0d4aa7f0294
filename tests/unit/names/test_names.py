from pulp_teamindex.app.names.prefixes import covers, overlaps, prefixes_of


def test_a_prefix_covers_itself_and_dash_children_only():
    assert covers("acme", "acme")
    assert covers("acme", "acme-tools")
    assert covers("acme", "acme-tools-cli")
    assert not covers("acme", "acmecorp")
    assert not covers("acme-tools", "acme")


def test_overlap_is_symmetric():
    assert overlaps("acme", "acme-tools") and overlaps("acme-tools", "acme")
    assert not overlaps("acme", "acmecorp")


def test_prefixes_of_a_name():
    assert prefixes_of("acme-tools-x") == ["acme", "acme-tools", "acme-tools-x"]
    assert prefixes_of("solo") == ["solo"]
