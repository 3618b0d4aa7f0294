"""The failed-login backoff's rules and the client address it counts by (the functional side,
every endpoint and process, is tests/functional/test_login_backoff.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from pulp_teamindex.app.access.backoff import (
    GUESSES_KEPT,
    Policy,
    State,
    account_key,
    after_failure,
    delay_after,
    guess_digest,
    refusal_message,
    wait,
)
from pulp_teamindex.app.access.clients import client_address

POLICY = Policy(failures=3, delay=30.0, max_delay=120.0, window=600.0)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def fail(state, guesses, start=0.0, step=1.0):
    """`state` after a wrong password per guess, `step` seconds apart from `start`."""
    for i, guess in enumerate(guesses):
        state = after_failure(state, guess, at(start + i * step), POLICY)
    return state


def test_failures_below_the_threshold_make_nobody_wait():
    state = fail(None, ["a", "b"])
    assert state.failures == 2 and wait(state, at(2)) == 0


def test_the_threshold_failure_starts_the_first_wait():
    state = fail(None, ["a", "b", "c"])
    assert wait(state, at(2)) == 30
    assert wait(state, at(31)) == 1
    assert wait(state, at(32)) == 0


def test_attempts_while_waiting_do_not_count():
    waiting = fail(None, ["a", "b", "c"])
    assert fail(waiting, ["d", "e", "f"], start=3) == waiting


def test_each_failure_after_a_wait_doubles_it_up_to_the_maximum():
    state = fail(None, ["a", "b", "c"])  # waits 30 s from t=2
    state = fail(state, ["d"], start=40)
    assert wait(state, at(40)) == 60
    state = fail(state, ["e"], start=200)
    assert wait(state, at(200)) == 120
    state = fail(state, ["f"], start=400)
    assert wait(state, at(400)) == 120  # max_delay


def test_a_repeated_wrong_password_counts_once():
    state = fail(None, ["same"] * 10)
    assert state.failures == 1 and wait(state, at(10)) == 0
    assert fail(state, ["other", "same", "third"], start=20).failures == 3


def test_failures_are_forgotten_a_window_after_the_last_one():
    state = fail(None, ["a", "b"])
    assert fail(state, ["c"], start=1 + 599).failures == 3  # still within the window
    assert fail(state, ["c"], start=1 + 601).failures == 1  # a fresh start


def test_the_window_runs_from_the_end_of_a_wait():
    state = fail(None, ["a", "b", "c"])  # waits until t=32
    assert fail(state, ["d"], start=32 + 599).failures == 4
    assert fail(state, ["d"], start=32 + 601).failures == 1


def test_only_the_latest_guesses_are_kept():
    patient = Policy(failures=1000, delay=30.0, max_delay=120.0, window=600.0)
    state = None
    for i in range(GUESSES_KEPT + 5):
        state = after_failure(state, f"g{i}", at(i), patient)
    assert len(state.guesses) == GUESSES_KEPT and state.guesses[-1] == f"g{GUESSES_KEPT + 4}"


def test_no_state_means_no_wait():
    assert wait(None, T0) == 0 and wait(State(), T0) == 0


def test_the_delay_of_an_endless_guesser_does_not_overflow():
    assert delay_after(10**6, POLICY) == POLICY.max_delay


def test_a_guess_digest_tells_retries_apart_from_new_guesses_and_little_more():
    one = guess_digest("key", "bob", "hunter2")
    assert one == guess_digest("key", "bob", "hunter2")
    assert one != guess_digest("key", "bob", "hunter3")
    assert one != guess_digest("other key", "bob", "hunter2")
    assert len(one) == 4 and int(one, 16) >= 0


def test_account_keys_are_storable():
    assert account_key("bob") == "bob"
    assert "\0" not in account_key("b\0b")
    assert len(account_key("x" * 10_000)) == 150


def test_the_refusal_says_who_where_how_long_and_what_to_do():
    message = refusal_message("bob", "192.0.2.7", 12.2)
    assert "'bob'" in message and "192.0.2.7" in message and "13 more seconds" in message
    assert "right password" in message and "other addresses" in message


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "client"),
    [
        ("192.0.2.7", None, 0, "192.0.2.7"),
        ("192.0.2.7", "203.0.113.9", 0, "192.0.2.7"),  # anybody can write the header
        ("10.0.0.1", "203.0.113.9", 1, "203.0.113.9"),
        ("10.0.0.1", "198.51.100.1, 203.0.113.9", 1, "203.0.113.9"),  # the first is forged
        ("10.0.0.1", "198.51.100.1, 203.0.113.9, 10.0.0.2", 2, "203.0.113.9"),
        ("10.0.0.1", None, 1, "10.0.0.1"),  # not through the proxy: its peer
        ("10.0.0.1", "203.0.113.9:4711", 1, "203.0.113.9"),
        ("10.0.0.1", "[2001:db8:1:2::9]:443", 1, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:aaaa::1", None, 0, "2001:db8:1:2::/64"),  # one host, one /64
        ("::ffff:192.0.2.7", None, 0, "192.0.2.7"),
        ("", None, 0, None),
        (None, None, 0, None),
        ("10.0.0.1", "unknown", 1, None),
    ],
)
def test_client_address(peer, forwarded, proxies, client):
    assert client_address(peer, forwarded, proxies) == client
