import pytest

from pulp_teamindex.app.simple.negotiation import choose_content_type

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("", "text/html"),
        (f"{JSON}, {HTML};q=0.1, text/html;q=0.01", JSON),  # what pip sends
        ("application/vnd.pypi.simple.latest+json", JSON),
        ("application/vnd.pypi.simple.latest+html", HTML),
        (HTML, HTML),
        ("text/html", "text/html"),
        ("*/*", "text/html"),
        (f"text/html;q=0.9, {JSON};q=0.2", "text/html"),
        (f"{JSON};q=0.5, {HTML};q=0.5", JSON),
        (f"{JSON};q=0, text/html", "text/html"),
        ("application/vnd.pypi.simple.v1+JSON", JSON),
        ("application/xml", None),
        (f"{JSON};q=0", None),
        (f"{JSON};q=abc", None),
    ],
)
def test_choose_content_type(accept, expected):
    assert choose_content_type(accept) == expected
