from pulp_teamindex.app.project_status.markers import (
    MAX_REASON,
    STATUSES,
    Marker,
    lifting_refusal,
    reason_problem,
    status_problem,
    upload_refusal,
    withheld_files,
)


def test_what_each_status_lets_the_index_do():
    """PEP 792: active and deprecated take uploads and offer files; archived offers files only;
    quarantined neither."""
    allowed = {s: (Marker(s).takes_uploads, Marker(s).offers_files) for s in STATUSES}
    assert allowed == {
        "active": (True, True),
        "archived": (False, True),
        "deprecated": (True, True),
        "quarantined": (False, False),
    }
    assert Marker() == Marker("active", "")


def test_unknown_statuses_are_refused_with_the_valid_ones():
    assert status_problem("quarantined") is None
    problem = status_problem("frozen")
    assert "'frozen'" in problem
    assert all(s in problem for s in STATUSES)
    assert status_problem("Quarantined") is not None  # the markers are lower case


def test_reasons_are_bounded_one_line_text():
    assert reason_problem("archived", "") is None
    assert reason_problem("quarantined", "x" * MAX_REASON) is None
    assert "at most" in reason_problem("quarantined", "x" * (MAX_REASON + 1))
    assert "one line" in reason_problem("deprecated", "a\nb")
    assert "one line" in reason_problem("deprecated", "a\x00b")
    assert "keeps no reason" in reason_problem("active", "cleared")
    assert reason_problem("archived", "ünïcode ☃ is fine") is None


def test_messages_name_project_status_and_reason():
    message = upload_refusal("pkg", "team-a", Marker("archived", "moved to pkg2"))
    assert "'pkg'" in message and "archived" in message and "'team-a'" in message
    assert "moved to pkg2" in message and "PEP 792" in message
    assert "already exist" not in message  # twine --skip-existing must not take it as success
    withheld = withheld_files("pkg", Marker("quarantined"))
    assert "quarantined" in withheld and "served" in withheld
    assert "'a', 'b'" in lifting_refusal({"b", "a"})


def test_upload_refusals_read_as_english_for_every_status():
    """No article glued to the status ("An quarantined", issue #28)."""
    for status in ("archived", "quarantined"):
        message = upload_refusal("pkg", "team-a", Marker(status))
        assert f"A project that is {status} accepts no uploads" in message
        assert "An " not in message
