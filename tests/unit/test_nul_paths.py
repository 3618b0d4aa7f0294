from pulp_teamindex.app.nul_paths import has_nul


def test_a_nul_anywhere_is_found():
    assert has_nul("team-a/simple/x\x00/")
    assert has_nul("fine", None, "\x00")
    assert not has_nul("team-a/simple/x/", None, "")
