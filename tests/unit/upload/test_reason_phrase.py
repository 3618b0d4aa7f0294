import pytest

from pulp_teamindex.app.upload.reason_phrase import MAX_REASON, reason_phrase


def test_a_message_becomes_one_line_of_visible_ascii():
    assert reason_phrase("File already exists:\n  x.whl\r\n\u00e9 \x00done\n") == (
        "File already exists: x.whl done"
    )


def test_a_long_message_is_shortened():
    shortened = reason_phrase("x" * (MAX_REASON * 2))
    assert len(shortened) == MAX_REASON and shortened.endswith("...")


@pytest.mark.parametrize("message", ["", "\n\u00e9\n"])
def test_nothing_printable_gives_an_empty_phrase(message):
    assert reason_phrase(message) == ""
