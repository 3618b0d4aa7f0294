"""Who may read a guarded index, remembered by the content app, so that a private index is as
fast as a public one.

Checking a password means hashing it (PBKDF2, hundreds of milliseconds) on every request. A
successful check against an RBAC content guard is remembered for the exact Authorization header
and guard, for at most `ttl` seconds, and forgotten at once when anything that could change it
changes: a user, group or role assignment, a distribution or guard (the change feed tells every
content app, and the change waits for their confirmation). A failed check is never remembered,
so guessing a password costs as much as it always did. Headers are kept only as digests.
"""

import hashlib
import time


class GrantCache:
    def __init__(self, ttl=300.0, max_entries=10_000, clock=time.monotonic):
        self._grants = {}
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._generation = 0

    @staticmethod
    def _key(authorization, guard):
        return hashlib.sha256(authorization.encode("utf-8", "surrogateescape")).digest(), guard

    def allows(self, authorization, guard):
        """True if these exact credentials were granted reading behind `guard` recently."""
        key = self._key(authorization, guard)
        expires = self._grants.get(key)
        if expires is None:
            return False
        if expires <= self._clock():
            del self._grants[key]
            return False
        return True

    def ticket(self):
        """Take one before authenticating; a grant checked before a change was reported is then
        not remembered after it."""
        return self._generation

    def grant(self, authorization, guard, ticket, lifetime=None):
        """Remember the grant for `ttl` seconds, or less when the credentials themselves end
        sooner (`lifetime`: an expiring token)."""
        if ticket != self._generation:
            return
        if len(self._grants) >= self._max:
            self._grants.clear()
        ttl = self._ttl if lifetime is None else min(self._ttl, lifetime)
        self._grants[self._key(authorization, guard)] = self._clock() + ttl

    def clear(self):
        self._grants.clear()
        self._generation += 1
