"""Which repository version each team index serves, remembered in the content app.

Filled on the first request for an index, emptied whenever the change feed reports a change,
and not used at all while the change feed is disconnected: memory is only trusted while it
can be told that it is stale. Entries also expire after `ttl` seconds, a safety net for
changes that send no notification (say, a content guard edited in the database by hand).
"""

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    path: str  # names the index after the content prefix: [<domain>/]<base_path>[/versions/<n>]
    repository_pk: str
    version_pk: object  # None: the index has no version to serve yet
    version_number: int
    pinned: bool  # serves a fixed version (or publication), not the latest
    guarded: bool  # a content guard must check every request
    rbac_guard: str | None = None  # the guard's pk when it is an RBAC guard (grants are kept)
    upstream: bool = False  # names nobody owns may come from the index's upstream
    domain: object = None  # the pulpcore domain of the index, when domains are enabled


class RouteTable:
    def __init__(self, ttl=60.0, clock=time.monotonic):
        self._routes = {}
        self._ttl = ttl
        self._clock = clock
        self._generation = 0  # how many times memory was emptied
        self.trusted = False

    def get(self, path):
        """The remembered route of the index at `path`, if still valid."""
        if not self.trusted:
            return None
        entry = self._routes.get(path)
        if entry is None:
            return None
        route, expires = entry
        if expires <= self._clock():
            del self._routes[path]
            return None
        return route

    def ticket(self):
        """Take one before looking a route up in the database and hand it to `put`: a route
        read before a change was reported is then not remembered after it."""
        return self._generation

    def put(self, route, ticket):
        if self.trusted and ticket == self._generation:
            self._routes[route.path] = (route, self._clock() + self._ttl)

    def clear(self):
        self._routes.clear()
        self._generation += 1

    def connected(self):
        self.clear()
        self.trusted = True

    def lost(self):
        self.trusted = False
        self.clear()
