"""Who may read a guarded index, remembered by the content app, so that a private index is as
fast as a public one.

Checking a password means hashing it (PBKDF2, hundreds of milliseconds) on every request. A
successful check against an RBAC content guard is remembered for the exact Authorization header,
guard and index, for at most `ttl` seconds, and forgotten at once when anything that could change
it changes: a user, group or role assignment, a distribution or guard, a token (the change feed
tells every content app, and the change waits for their confirmation). The index is part of the
key because a guard decides only who the caller is, while a read token also limits which indexes
it reads: many indexes share one team guard, and a grant for one must never open the others. A
failed check is never remembered, so guessing a password costs as much as it always did. Headers
are kept only as digests.
"""

import asyncio
import hashlib
import time
from contextlib import contextmanager


def _digest(authorization):
    return hashlib.sha256(authorization.encode("utf-8", "surrogateescape")).digest()


class GrantCache:
    def __init__(self, ttl=300.0, max_entries=10_000, clock=time.monotonic):
        self._grants = {}
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._generation = 0

    def allows(self, authorization, guard, index):
        """Who these exact credentials are (the `Reader` granted), if they were granted reading
        `index` behind `guard` recently; else None."""
        key = (_digest(authorization), guard, index)
        granted = self._grants.get(key)
        if granted is None:
            return None
        if granted[0] <= self._clock():
            del self._grants[key]
            return None
        return granted[1]

    def ticket(self):
        """Take one before authenticating; a grant checked before a change was reported is then
        not remembered after it."""
        return self._generation

    def grant(self, authorization, guard, index, ticket, reader, lifetime=None):
        """Remember the grant to `reader` for `ttl` seconds, or less when the credentials
        themselves end sooner (`lifetime`: an expiring token)."""
        if ticket != self._generation:
            return
        if len(self._grants) >= self._max:
            self._grants.clear()
        ttl = self._ttl if lifetime is None else min(self._ttl, lifetime)
        self._grants[(_digest(authorization), guard, index)] = (self._clock() + ttl, reader)

    def clear(self):
        self._grants.clear()
        self._generation += 1


class SharedChecks:
    """One full check at a time for the same credentials at the same index.

    A CI fleet starting together sends the same password many times at once; each full check
    hashes it, one after another on pulpcore's authentication thread. The first request checks;
    the others wait for it and then look in the `GrantCache`: a success answers them all, a
    failure is never shared (each then checks on its own, so a wrong password gains nothing)."""

    def __init__(self):
        self._running = {}

    def running(self, authorization, index_path):
        """The check under way for these credentials at this index, or None."""
        return self._running.get((_digest(authorization), index_path))

    @contextmanager
    def first(self, authorization, index_path):
        key = (_digest(authorization), index_path)
        done = self._running[key] = asyncio.get_running_loop().create_future()
        try:
            yield
        finally:
            done.set_result(None)
            if self._running.get(key) is done:
                del self._running[key]
