"""The rules of the failed-login backoff, as plain functions of a `State` (issue #23).

Without them a password can be guessed as fast as the server hashes it, on every endpoint. Each
account is counted per client address: after `failures` different wrong passwords, that account
is refused from that address for `delay` seconds, twice as long after each further failure, at
most `max_delay`, without its password being checked (so a refusal costs nothing and tells
nothing). Only that address waits: an attacker elsewhere never locks the account's owner out.
A success, or `window` quiet seconds after the last failure or wait, forget it all.

Repeating a wrong password is not a guess: a client retrying stale credentials (a CI fleet after
a password change, a burst of pip requests) counts once, and is not made to wait for its own
retries. The guesses are told apart by a digest of a few bits only: enough to recognise a retry,
too few to let whoever reads the table test candidate passwords against it.

`login_failures` keeps the states in PostgreSQL, shared by every API and content process;
`login_backoff` applies them to logins.
"""

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

GUESSES_KEPT = 32
GUESS_DIGITS = 4  # hex digits: 16 bits
MAX_DOUBLINGS = 32  # past it the delay is max_delay anyway; keeps 2**n a small number
USERNAME_LENGTH = 150  # Django's; a longer name is no account, and must not grow the table


@dataclass(frozen=True)
class Policy:
    failures: int  # different wrong passwords before the first wait; 0 turns the backoff off
    delay: float  # seconds of the first wait
    max_delay: float
    window: float  # seconds after which failures are forgotten

    @classmethod
    def from_settings(cls, settings):
        return cls(
            failures=settings.TEAMINDEX_LOGIN_BACKOFF_AFTER,
            delay=settings.TEAMINDEX_LOGIN_BACKOFF_DELAY,
            max_delay=settings.TEAMINDEX_LOGIN_BACKOFF_MAX_DELAY,
            window=settings.TEAMINDEX_LOGIN_BACKOFF_WINDOW,
        )

    @property
    def active(self):
        return self.failures > 0


@dataclass(frozen=True)
class State:
    """The recent failures of one account at one client address."""

    failures: int = 0
    guesses: tuple = ()  # digests of the wrong passwords counted, the latest last
    blocked_until: datetime | None = None
    forget_at: datetime | None = None


def current(state, now):
    """`state`, or a clean one once it is forgotten (or when there is none)."""
    if state is None or state.forget_at is None or state.forget_at <= now:
        return State()
    return state


def wait(state, now):
    """Seconds the account must still wait at this address; 0 when it may try."""
    blocked_until = current(state, now).blocked_until
    return 0.0 if blocked_until is None else max(0.0, (blocked_until - now).total_seconds())


def after_failure(state, guess, now, policy):
    """The state after a wrong password whose digest is `guess`. A failure while waiting can
    only be a refusal, and a repeated password tells an attacker nothing new: neither counts."""
    state = current(state, now)
    if wait(state, now) > 0 or guess in state.guesses:
        return state
    failures = state.failures + 1
    blocked_until = None
    if failures >= policy.failures:
        blocked_until = now + timedelta(seconds=delay_after(failures, policy))
    return State(
        failures=failures,
        guesses=(*state.guesses, guess)[-GUESSES_KEPT:],
        blocked_until=blocked_until,
        forget_at=(blocked_until or now) + timedelta(seconds=policy.window),
    )


def delay_after(failures, policy):
    """The wait that the `failures`-th failure starts: `delay`, doubling, at most `max_delay`."""
    doublings = min(max(failures - policy.failures, 0), MAX_DOUBLINGS)
    return min(policy.delay * 2**doublings, policy.max_delay)


def guess_digest(secret_key, username, password):
    """A short keyed digest of one wrong password, to recognise it when it is sent again."""
    message = f"login-guess\0{username}\0{password}".encode("utf-8", "surrogatepass")
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:GUESS_DIGITS]


def account_key(username):
    """The username as stored: PostgreSQL keeps no NUL, and no account has a longer name."""
    return username.replace("\0", "\ufffd")[:USERNAME_LENGTH]


def refusal_message(username, client, seconds):
    """What a person is told while waiting: why, for how long, and what to do then."""
    return (
        f"Too many failed logins for {username!r} from {client}: logins to this account from "
        f"this address are refused for {math.ceil(seconds)} more seconds, without checking the "
        "password. Try again then with the right password (a success clears the failures); "
        "logins from other addresses are not affected."
    )
