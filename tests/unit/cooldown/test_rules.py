"""The cooldown fails closed: a duration is read strictly, a file is held until its shown upload
time plus the cooldown (a file whose time is unknown shows when the index first saw it, so it
counts as new), and only an exception in force lets it through sooner."""

from datetime import UTC, datetime, timedelta

import pytest

from pulp_teamindex.app.cooldown.rules import (
    Hold,
    duration,
    earliest,
    exception_value,
    expiry_problem,
    normalized,
    refusal,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
WHEEL = "demo_lib-2.0-py3-none-any.whl"
SDIST = "demo_lib-2.0.tar.gz"
DAY = 86400


@pytest.mark.parametrize(
    "text, seconds",
    [("0", 0), (0, 0), ("90m", 5400), ("12h", 43200), ("3d", 3 * DAY), ("2w", 14 * DAY),
     (" 3D ", 3 * DAY), ("45s", 45), ("365d", 365 * DAY)],
)  # fmt: skip
def test_durations_are_a_number_and_one_unit(text, seconds):
    assert duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "3", "-1d", "1.5d", "3 d", "3days", "1d12h", "P3D", "3y", "366d", "d", "0d0"]
)
def test_anything_else_is_refused_with_what_to_write(text):
    with pytest.raises(ValueError, match=r"not a cooldown|longer than a year"):
        duration(text)


def test_a_valid_duration_is_kept_as_written_in_lower_case():
    assert normalized(" 3D ") == "3d"
    with pytest.raises(ValueError):
        normalized("3 days")


def hold(seconds=3 * DAY, project_until=None, **releases):
    return Hold(seconds, "3d", project_until, {v.replace("_", "."): t for v, t in releases.items()})


def test_no_cooldown_holds_nothing():
    assert Hold().held(WHEEL, NOW, NOW) is None
    assert Hold().changes_at(WHEEL, NOW, NOW) is None


def test_a_file_is_held_until_its_upload_time_plus_the_cooldown():
    uploaded = NOW - timedelta(days=1)
    assert hold().held(WHEEL, uploaded, NOW) == uploaded + timedelta(days=3)
    assert hold().changes_at(WHEEL, uploaded, NOW) == uploaded + timedelta(days=3)
    old = NOW - timedelta(days=3)
    assert hold().held(WHEEL, old, NOW) is None  # matured exactly now
    assert hold().changes_at(WHEEL, old, NOW) is None


def test_a_project_exception_lets_every_release_through_until_it_expires():
    until = NOW + timedelta(hours=2)
    excepted = hold(project_until=until)
    assert excepted.held(WHEEL, NOW, NOW) is None
    assert excepted.held(SDIST, NOW, NOW) is None
    assert excepted.changes_at(WHEEL, NOW, NOW) == until  # then it is held again


def test_a_release_exception_lets_only_that_release_through():
    until = NOW + timedelta(hours=2)
    excepted = hold(**{"2": until})  # canonical form of 2.0
    assert excepted.held(WHEEL, NOW, NOW) is None
    assert excepted.held("demo_lib-2.0.1-py3-none-any.whl", NOW, NOW) is not None
    assert excepted.changes_at(WHEEL, NOW, NOW) == until


def test_the_page_is_rebuilt_at_the_earliest_change():
    assert earliest([None, NOW + timedelta(1), NOW, None]) == NOW
    assert earliest([None]) is None


def test_the_refusal_says_when_and_how_to_get_an_exception():
    text = refusal(WHEEL, NOW, NOW + timedelta(days=3), "3d")
    assert "held back by this index's cooldown (3d) until 2026-12-05 12:00:00 UTC" in text
    assert "uploaded at 2026-12-02 12:00:00 UTC" in text
    assert "'demo-lib' or 'demo-lib==2.0'" in text
    assert "admin or an owner of this index" in text
    assert "\n" not in text


def test_exceptions_name_a_project_or_a_release_normalized():
    assert exception_value("Demo.Lib") == ("demo-lib", "demo-lib", "")
    assert exception_value("Demo_Lib == 2.0.0") == ("demo-lib==2.0.0", "demo-lib", "2")
    for bad in ("demo lib", "demo==", "demo==not a version", "==1.0"):
        with pytest.raises(ValueError):
            exception_value(bad)


def test_an_exception_must_end_in_the_future_within_a_year():
    assert expiry_problem(NOW + timedelta(days=1), NOW) is None
    assert "future" in expiry_problem(NOW, NOW)
    assert "at most a year" in expiry_problem(NOW + timedelta(days=366), NOW)
