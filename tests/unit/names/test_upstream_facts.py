"""The facts an upstream states besides its files' digests (upload time, core metadata digest,
project status) are relayed exactly when they are possible, and never make a file look older,
nor give a client a metadata digest it cannot check."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from pulp_teamindex.app.names.upstream_pages import (
    Listing,
    checked_upload_time,
    read_html,
    read_json,
)
from pulp_teamindex.app.project_status.markers import MAX_REASON, Marker

PAGE = "https://up.example/simple/demo/"
GOOD = "a" * 64
META = "b" * 64
WHEEL = "demo-1.0-py3-none-any.whl"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def entry(**changes):
    item = {"filename": WHEEL, "url": f"../../files/{WHEEL}", "hashes": {"sha256": GOOD}}
    item.update(changes)
    return item


def json_page(*items, **extra):
    return json.dumps({"meta": {"api-version": "1.4"}, "name": "demo", "files": items, **extra})


def read_one(item):
    (listed,) = read_json(json_page(item), PAGE, "demo", now=NOW).files
    return listed


def test_a_possible_upload_time_is_relayed_exactly():
    listed = read_one(entry(**{"upload-time": "2024-03-04T05:06:07.123456Z"}))
    assert listed.upload_time == datetime(2024, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    other_zone = read_one(entry(**{"upload-time": "2024-03-04T07:06:07+02:00"}))
    assert other_zone.upload_time == datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "yesterday",
        "2024-13-01T00:00:00Z",
        "2024-03-04T05:06:07",  # no time zone: not a time anybody can place
        "1970-01-01T00:00:00Z",  # the epoch: would open every cooldown at once
        "1999-12-31T23:59:59Z",
        (NOW + timedelta(minutes=6)).isoformat(),  # later than now beyond the skew
        "2999-01-01T00:00:00Z",
        1717243200,
        ["2024-03-04T05:06:07Z"],
        "2024-03-04T05:06:07Z" + " " * 100,
    ],
)
def test_an_impossible_upload_time_is_unknown(value):
    """Unknown: the caller shows when this deployment first saw the file, never earlier than
    the truth, so the file cannot look older than it is; the file itself is still listed."""
    assert read_one(entry(**{"upload-time": value})).upload_time is None


def test_a_time_within_the_clock_skew_is_kept():
    soon = NOW + timedelta(minutes=4)
    assert checked_upload_time(soon.isoformat(), NOW) == soon


@pytest.mark.parametrize(
    ("fields", "digest"),
    [
        ({"core-metadata": {"sha256": META}}, META),
        ({"core-metadata": {"sha256": META.upper()}}, META),
        ({"dist-info-metadata": {"sha256": META}}, META),  # PEP 658's name, before PEP 714
        ({"core-metadata": {"sha256": META}, "dist-info-metadata": {"sha256": GOOD}}, META),
        ({"core-metadata": False, "dist-info-metadata": {"sha256": GOOD}}, ""),
        ({"core-metadata": True}, ""),  # advertised without a digest: nothing to check against
        ({"core-metadata": {"md5": "c" * 32}}, ""),
        ({"core-metadata": {"sha256": '"><script>'.ljust(64, "a")}}, ""),
        ({"core-metadata": "sha256=" + META}, ""),
        ({}, ""),
    ],
)
def test_json_core_metadata_is_relayed_only_with_a_sha256(fields, digest):
    listed = read_one(entry(**fields))
    assert listed.metadata_sha256 == digest
    assert listed.sha256 == GOOD  # the file itself is kept whatever its metadata says


def test_html_core_metadata_attributes_follow_pep_714():
    def anchor(name, attrs):
        return f'<a href="../../files/{name}#sha256={GOOD}" {attrs}>{name}</a>'

    text = "".join(
        [
            anchor("demo-1.0.tar.gz", f'data-core-metadata="sha256={META}"'),
            anchor("demo-2.0.tar.gz", f'data-dist-info-metadata="sha256={META}"'),
            anchor("demo-3.0.tar.gz", 'data-core-metadata="true"'),
            anchor("demo-4.0.tar.gz", "data-core-metadata"),
            anchor("demo-5.0.tar.gz", 'data-core-metadata="sha256=&lt;script&gt;"'),
            anchor("demo-6.0.tar.gz", ""),
        ]
    )
    listing = read_html(text, PAGE, "demo")
    assert [f.metadata_sha256 for f in listing.files] == [META, META, "", "", "", ""]
    assert all(f.upload_time is None for f in listing.files)  # HTML pages give none


@pytest.mark.parametrize(
    ("stated", "marker"),
    [
        ({"status": "quarantined", "reason": "malware"}, Marker("quarantined", "malware")),
        ({"status": "deprecated"}, Marker("deprecated")),
        ({"status": "active", "reason": "ignored"}, Marker("active")),
        ({"status": "archived", "reason": "bye\x1b[2J now"}, Marker("archived", "bye[2J now")),
        ({"status": "archived", "reason": "x" * 600}, Marker("archived", "x" * MAX_REASON)),
        ({"status": "archived", "reason": 7}, Marker("archived")),
        ({"status": "gone"}, None),  # not a PEP 792 status: none, which means active
        ({"status": ["quarantined"]}, None),
    ],
)
def test_the_json_project_status_is_relayed_when_valid(stated, marker):
    listing = read_json(json_page(entry(), **{"project-status": stated}), PAGE, "demo", now=NOW)
    assert listing.status == marker


def test_the_html_project_status_is_read_from_its_meta_tags():
    text = (
        '<html><head><meta name="pypi:project-status" content="quarantined">'
        '<meta name="pypi:project-status-reason" content="a &quot;bad&quot; release">'
        "</head><body></body></html>"
    )
    listing = read_html(text, PAGE, "demo")
    assert listing == Listing([], Marker("quarantined", 'a "bad" release'))
    assert not listing.empty  # a quarantined project lists no file, and still exists


def test_a_page_without_files_or_status_is_no_project():
    assert read_json(json_page(), PAGE, "demo").empty
    assert read_html("<html></html>", PAGE, "demo").empty
