"""What a content app remembers between requests, and how it stays exact.

`Memory` holds the routes (which version each index serves), the rendered pages and served-file
facts, the read grants, and the work under way; it takes in each change the feed reports and
forgets exactly what that change may have made wrong. Used from the event loop only.
"""

import asyncio
import time
from functools import partial

from django.conf import settings

from pulp_teamindex.app.change_feed.messages import parse
from pulp_teamindex.app.exceptions import UpstreamError
from pulp_teamindex.app.simple.memory.directories import Directories
from pulp_teamindex.app.simple.memory.freshness import Freshness
from pulp_teamindex.app.simple.memory.grants import GrantCache, SharedChecks
from pulp_teamindex.app.simple.memory.page_cache import Cached, PageCache
from pulp_teamindex.app.simple.memory.routes import RouteTable


def _expiry(value):
    """The time.monotonic() after which `value` is stale, or None (as long as its version)."""
    expires = None
    if value.source == "upstream":
        expires = time.monotonic() + settings.TEAMINDEX_UPSTREAM_TTL
    if (until := getattr(value, "fresh_until", None)) is not None:
        left = time.monotonic() + max(0.0, until - time.time())
        expires = left if expires is None else min(expires, left)
    return expires


class Memory:
    def __init__(self):
        self.routes = RouteTable()
        self.grants = GrantCache()
        self.checks = SharedChecks()
        self.directories = Directories()  # the deployment page's lists of indexes
        self._pages = PageCache()
        self._freshness = Freshness()
        self._in_flight = {}  # what `once` is computing now, by key

    def cached(self, route, kind, name, project):
        """A remembered value for `route`, if still exact: a pinned version never changes; the
        latest version's values hold until a change touches their project; what an upstream
        said holds until it expires."""
        owner = route.version_pk if route.pinned else route.repository_pk
        entry = self._pages.get((kind, owner, project, name))
        if entry is None or (entry.expires is not None and entry.expires <= time.monotonic()):
            return None
        if route.pinned or self._freshness.valid(
            route.repository_pk, project, entry.rendered_at, route.version_number, entry.tick
        ):
            return entry.value
        return None

    def ticket(self):
        """Taken before reading the database for a value, handed to `remember`."""
        return self._pages.ticket(), self._freshness.now()

    def remember(self, route, kind, name, project, value, ticket):
        """Keep `value`, unless a change was reported since `ticket` was taken, or the change
        feed is down (changes made meanwhile are never reported). What an upstream said is kept
        for TEAMINDEX_UPSTREAM_TTL seconds only: a page, and a file's facts, which its status
        may withhold next time (a quarantine), and no longer than its `fresh_until` (the
        cooldown: a held-back file matures, an exception expires)."""
        if not self.routes.trusted:
            return
        owner = route.version_pk if route.pinned else route.repository_pk
        generation, tick = ticket
        cached = Cached(value, route.version_number, _expiry(value), tick)
        self._pages.put((kind, owner, project, name), cached, generation)

    async def once(self, key, func, *args):
        """`await func(*args)`, run once for all the requests that need `key` at the same
        moment: a burst of first requests (after a start, or when a remembered route expires)
        then costs one database trip or upstream read, not one each."""
        shared = self._in_flight.get(key)
        first = shared is None
        if first:
            shared = self._in_flight[key] = asyncio.ensure_future(func(*args))
            shared.add_done_callback(partial(self._landed, key))
        try:
            return await asyncio.shield(shared)
        except UpstreamError:
            raise  # the upstream failed just now, for everyone waiting: asking again would wait
        except Exception:
            if first:
                raise
            return await func(*args)  # an error answer is a response of its own

    def _landed(self, key, future):
        if self._in_flight.get(key) is future:  # not one started after a change emptied it
            del self._in_flight[key]

    def changed(self, payload):
        """Take in one change the feed reports."""
        change = parse(payload)
        self.directories.clear()  # any change may alter the deployment page's list
        if change.may_change_access:
            self.grants.clear()
        if change.kind in ("flush", "block"):
            self._pages.clear()
        elif change.kind == "owner":
            self._pages.drop_project(change.owner)
        self._forget_quarantined(change.quarantines)
        self._freshness.record(change)
        if not change.keeps_routes:
            self.routes.clear()
        self._in_flight.clear()  # later requests must not share a lookup that read the old state

    def _forget_quarantined(self, projects):
        """Pages and files of pinned versions are kept for as long as the version exists, and
        every index's are kept while its own versions do not touch them; yet all of them show
        a quarantine set in any index's latest version: a version that sets or lifts one drops
        its project's values everywhere (None: too many named, drop every value), and the
        project lists, whose web page (`web/`) marks each project's status."""
        if projects is None:
            self._pages.clear()
        for project in projects or ():
            self._pages.drop_project(project)
        if projects:
            self._pages.drop_project(None)

    def lost(self):
        """The feed is down: nothing remembered may be trusted until it is back."""
        self.routes.lost()
        self._forget_everything()

    def connected(self):
        """Versions created while the feed was down were never reported: nothing remembered
        from before this moment may be trusted."""
        self._forget_everything()
        self.routes.connected()

    def _forget_everything(self):
        self.grants.clear()
        self.directories.clear()
        self._in_flight.clear()
        self._pages.clear()
        self._freshness.forget()
