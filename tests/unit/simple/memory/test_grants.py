import asyncio

from pulp_teamindex.app.downloads.book import Reader
from pulp_teamindex.app.simple.memory.grants import GrantCache, SharedChecks

HEADER = "Basic cmVhZGVyOnNlY3JldA=="
READER = Reader("reader", "")


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_a_grant_holds_for_the_same_header_guard_and_index_only():
    grants = GrantCache()
    grants.grant(HEADER, "guard-a", "index-1", grants.ticket(), READER)
    assert grants.allows(HEADER, "guard-a", "index-1") == READER  # who was granted
    assert not grants.allows(HEADER, "guard-b", "index-1")
    assert not grants.allows(HEADER, "guard-a", "index-2")  # same guard, another index
    assert not grants.allows(HEADER + "x", "guard-a", "index-1")


def test_a_grant_expires():
    clock = Clock()
    grants = GrantCache(ttl=10, clock=clock)
    grants.grant(HEADER, "g", "i", grants.ticket(), READER)
    clock.now = 10.5
    assert not grants.allows(HEADER, "g", "i")


def test_an_expiring_token_is_kept_no_longer_than_it_lives():
    clock = Clock()
    grants = GrantCache(ttl=300, clock=clock)
    grants.grant(HEADER, "g", "i", grants.ticket(), READER, lifetime=5)
    clock.now = 5.5
    assert not grants.allows(HEADER, "g", "i")


def test_a_change_forgets_every_grant_and_refuses_one_checked_before_it():
    grants = GrantCache()
    grants.grant(HEADER, "g", "i", grants.ticket(), READER)
    stale = grants.ticket()
    grants.clear()
    assert not grants.allows(HEADER, "g", "i")
    grants.grant(HEADER, "g", "i", stale, READER)  # checked before the change: not kept
    assert not grants.allows(HEADER, "g", "i")


def test_memory_stays_bounded():
    grants = GrantCache(max_entries=3)
    for n in range(10):
        grants.grant(f"Basic {n}", "g", "i", grants.ticket(), READER)
    assert len(grants._grants) <= 3


def test_concurrent_checks_of_the_same_credentials_wait_for_the_first():
    checks, order = SharedChecks(), []

    async def first():
        with checks.first(HEADER, "team-a"):
            order.append("checking")
            await asyncio.sleep(0.01)
            order.append("checked")

    async def second():
        await asyncio.sleep(0)
        running = checks.running(HEADER, "team-a")
        assert running is not None
        assert checks.running(HEADER, "team-b") is None  # another index: its own check
        assert checks.running(HEADER + "x", "team-a") is None  # other credentials: their own
        await running
        order.append("second goes on")

    async def both():
        await asyncio.gather(first(), second())
        assert checks.running(HEADER, "team-a") is None  # nothing kept once done

    asyncio.run(both())
    assert order == ["checking", "checked", "second goes on"]


def test_a_failed_check_still_releases_the_waiters():
    checks = SharedChecks()

    async def failing():
        with checks.first(HEADER, "team-a"):
            await asyncio.sleep(0.01)
            raise PermissionError

    async def waiting():
        await asyncio.sleep(0)
        await checks.running(HEADER, "team-a")
        return "released"

    async def both():
        return await asyncio.gather(failing(), waiting(), return_exceptions=True)

    failed, released = asyncio.run(both())
    assert isinstance(failed, PermissionError) and released == "released"
