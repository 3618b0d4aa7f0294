"""What an upstream says is checked before it is stored or rendered: every invalid entry is
dropped, an unreadable page is an UpstreamError (a 502), and no value breaks the HTML."""

import json

import pytest

from pulp_teamindex.app.exceptions import UpstreamError
from pulp_teamindex.app.names.upstream_pages import (
    parse_html,
    parse_json,
    parse_project_names,
    redact,
)

PAGE = "https://up.example/simple/demo/"
GOOD = "a" * 64
WHEEL = "demo-1.0-py3-none-any.whl"


def entry(**changes):
    item = {
        "filename": WHEEL,
        "url": f"../../files/{WHEEL}",
        "hashes": {"sha256": GOOD},
        "size": 10,
        "requires-python": ">=3.8",
    }
    item.update(changes)
    return item


def json_page(*items):
    return json.dumps({"meta": {"api-version": "1.1"}, "name": "demo", "files": list(items)})


def test_a_valid_json_entry_is_kept_with_its_url_resolved_against_the_page():
    (listed,) = parse_json(json_page(entry()), PAGE, "demo")
    assert listed.url == f"https://up.example/files/{WHEEL}"
    assert (listed.sha256, listed.size, listed.requires_python) == (GOOD, 10, ">=3.8")
    assert listed.yanked is None


@pytest.mark.parametrize(
    "changes",
    [
        {"hashes": {"sha256": '"><script>alert(1)</script>'}},
        {"hashes": {"sha256": "a" * 63}},
        {"hashes": {"sha256": "g" * 64}},
        {"hashes": {"md5": "a" * 32}},
        {"hashes": "aaaa"},
        {"size": "huge"},
        {"size": -1},
        {"size": 1.5},
        {"size": True},
        {"filename": "other-1.0-py3-none-any.whl"},  # another project's file on demo's page
        {"filename": "demo-1.0.exe"},
        {"filename": "../demo-1.0-py3-none-any.whl"},
        {"filename": "<img src=x onerror=alert(1)>-1.0.tar.gz"},
        {"filename": 7},
        {"requires-python": '>=3.8"><script>alert(1)</script>'},
        {"requires-python": ["3"]},
        {"yanked": 1},
        {"url": "javascript:alert(1)"},
        {"url": "file:///etc/passwd"},
        {"url": 'https://up.example/x.whl"onmouseover="alert(1)'},
        {"url": None},
        {"url": "https://up.example/" + "a" * 3000},
    ],
)
def test_an_entry_with_any_invalid_value_is_dropped(changes):
    assert parse_json(json_page(entry(**changes), entry(filename="demo-2.0.tar.gz")), PAGE, "demo")
    kept = parse_json(json_page(entry(**changes)), PAGE, "demo")
    assert kept == []


def test_yanked_values_follow_pep_592():
    pages = [
        entry(filename="demo-1.0.tar.gz", yanked=True),
        entry(filename="demo-2.0.tar.gz", yanked="broken\x07 build"),
        entry(filename="demo-3.0.tar.gz", yanked=False),
        entry(filename="demo-4.0.tar.gz", yanked=""),
    ]
    yanked = [e.yanked for e in parse_json(json_page(*pages), PAGE, "demo")]
    assert yanked == ["", "broken build", None, None]


@pytest.mark.parametrize("text", ["not json", "[]", '{"files": {}}', '{"files": "x"}', "null"])
def test_an_unreadable_json_page_is_an_upstream_error(text):
    with pytest.raises(UpstreamError) as raised:
        parse_json(text, PAGE, "demo")
    assert raised.value.status == 502


def test_a_filename_is_listed_once_the_first_entry_wins():
    first, second = entry(), entry(hashes={"sha256": "b" * 64})
    (listed,) = parse_json(json_page(first, second), PAGE, "demo")
    assert listed.sha256 == GOOD


def test_html_entries_are_checked_like_json_ones():
    text = (
        f'<a href="../../files/{WHEEL}#sha256={GOOD.upper()}" '
        'data-requires-python="&gt;=3.8" data-yanked="">' + WHEEL + "</a>"
        '<a href="x.tar.gz#sha256=&quot;&gt;&lt;script&gt;">demo-2.0.tar.gz</a>'
        '<a href="x.tar.gz#md5=abc">demo-3.0.tar.gz</a>'
        f'<a href="javascript:alert(1)#sha256={GOOD}">demo-4.0.tar.gz</a>'
        f'<a href="y.tar.gz#sha256={GOOD}" data-requires-python="&lt;script&gt;">'
        "demo-5.0.tar.gz</a>"
        f"<a>demo-6.0.tar.gz</a>"
    )
    (listed,) = parse_html(text, PAGE, "demo")
    assert (listed.filename, listed.sha256, listed.requires_python) == (WHEEL, GOOD, ">=3.8")
    assert listed.yanked == ""


def test_project_names_are_checked():
    text = (
        '<a href="a/">good-name</a><a href="b/">&lt;script&gt;</a><a href="c/">x y</a>'
        '<a href="d/"> dir-listing/ </a>'
    )
    assert parse_project_names(text, is_json=False) == ["good-name", "dir-listing"]
    doc = json.dumps({"projects": [{"name": "ok"}, {"name": 3}, "str", {"name": "ok"}]})
    assert parse_project_names(doc, is_json=True) == ["ok"]
    with pytest.raises(UpstreamError):
        parse_project_names("{}", is_json=True)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:s3cret@host.example/simple/", "https://****@host.example/simple/"),
        ("https://tok3n@host.example:8443/simple/", "https://****@host.example:8443/simple/"),
        ("https://host.example/simple/?token=s3cret", "https://host.example/simple/?****"),
        ("https://host.example/simple/", "https://host.example/simple/"),
    ],
)
def test_redact_hides_credentials_and_keeps_the_rest(url, shown):
    assert redact(url) == shown
