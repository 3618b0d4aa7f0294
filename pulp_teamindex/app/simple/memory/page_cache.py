"""Rendered simple API pages (and facts about served files), kept in the content app's memory,
bounded in bytes."""

from collections import OrderedDict
from dataclasses import dataclass

MAX_CACHED_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    missing: bool = False  # a cached 404
    forbidden: str = ""  # a cached 403, and why (a project the deployment blocked)
    source: str = "local"  # "upstream" when the files come from the index's upstream
    stale_since: float | None = None  # an upstream page served while the upstream fails: the
    # time.time() of the last good read it was built from
    fresh_until: float | None = None  # the time.time() after which it must be built again
    # (an upstream file the cooldown holds back matures, or an exception expires)

    @property
    def cost(self):
        return len(self.body) + len(self.forbidden) + 200


@dataclass(frozen=True)
class Cached:
    """A cached value, the version number (and journal tick) it was computed at, and for what
    comes from an upstream (which may change at any time) the time.monotonic() after which it
    is stale."""

    value: object
    rendered_at: int
    expires: float | None = None  # None: valid as long as its version
    tick: int = 0  # the change feed's journal clock when it was read (see freshness)

    @property
    def cost(self):
        return self.value.cost


MISSING = Page(body=b"", etag="", missing=True)


class PageCache:
    """An LRU bounded by the `cost` (bytes) of its values; used from the event loop only."""

    def __init__(self, max_bytes=MAX_CACHED_BYTES):
        self._pages = OrderedDict()
        self._max_bytes = max_bytes
        self._generation = 0  # how many times values were forgotten
        self.size = 0

    def get(self, key):
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
        return page

    def ticket(self):
        """Take one before computing a value and hand it to `put`: a value computed from what
        was true before a change was reported is then not kept after it."""
        return self._generation

    def put(self, key, page, ticket=None):
        if ticket is not None and ticket != self._generation:
            return
        if (old := self._pages.pop(key, None)) is not None:
            self.size -= old.cost
        self._pages[key] = page
        self.size += page.cost
        while self.size > self._max_bytes and self._pages:
            _key, evicted = self._pages.popitem(last=False)
            self.size -= evicted.cost

    def drop_project(self, project):
        """Forget every value cached for `project` (keys are (kind, owner, project, name))."""
        for key in [k for k in self._pages if k[2] == project]:
            self.size -= self._pages.pop(key).cost
        self._generation += 1

    def clear(self):
        self._pages.clear()
        self.size = 0
        self._generation += 1
