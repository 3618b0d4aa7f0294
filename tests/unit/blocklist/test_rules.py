import pytest

from pulp_teamindex.app.blocklist.rules import Blocks, normalized, reason_problem

SHA = "ab" * 32


@pytest.mark.parametrize(
    ("kind", "value", "kept"),
    [
        ("project", "Requests_OAuth", ("requests-oauth", "requests-oauth")),
        ("release", "Requests==2.32.0", ("requests==2.32.0", "requests")),
        ("release", "requests == 2.32.0.post0", ("requests==2.32.0.post0", "requests")),
        ("filename", "requests-2.32.0-py3-none-any.whl", (None, "requests")),
        ("sha256", SHA.upper(), (SHA, "")),
    ],
)
def test_a_value_is_kept_normalized_with_its_project(kind, value, kept):
    got = normalized(kind, value)
    assert got == (kept[0] or value, kept[1])


@pytest.mark.parametrize(
    ("kind", "value", "words"),
    [
        ("project", "not a name", "not a project name"),
        ("release", "requests", "<project>==<version>"),
        ("release", "requests==banana", "PEP 440"),
        ("filename", "../requests-1.0.tar.gz", "Invalid filename"),
        ("filename", "requests.zip", "Unsupported file type"),
        ("sha256", "12", "64 hexadecimal"),
        ("everything", "x", "Unknown kind"),
    ],
)
def test_values_that_name_nothing_are_refused_with_a_reason(kind, value, words):
    with pytest.raises(ValueError, match=words.replace("<", ".").replace(">", ".")):
        normalized(kind, value)


def test_what_a_block_withholds():
    wheel = "requests-1.0-py3-none-any.whl"
    assert Blocks(project="bad").withheld(wheel, SHA) == "bad"
    assert Blocks(releases={"1": "bad"}).withheld(wheel, SHA) == "bad"  # 1.0 is release 1
    assert Blocks(releases={"1.1": "bad"}).withheld(wheel, SHA) is None
    assert Blocks(filenames={wheel: "bad"}).withheld(wheel, SHA) == "bad"
    assert Blocks(sha256s={SHA: "bad"}).withheld("other-2.0.tar.gz", SHA) == "bad"
    assert Blocks().withheld(wheel, SHA) is None


def test_a_reason_is_one_printable_line():
    assert reason_problem("compromised") is None
    assert "Say why" in reason_problem("  ")
    assert "one line" in reason_problem("a\nb")
    assert "at most" in reason_problem("x" * 501)
