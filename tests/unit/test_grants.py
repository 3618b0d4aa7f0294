from pulp_teamindex.app.simple.memory.grants import GrantCache

HEADER = "Basic cmVhZGVyOnNlY3JldA=="


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_a_grant_holds_for_the_same_header_and_guard_only():
    grants = GrantCache()
    grants.grant(HEADER, "guard-a", grants.ticket())
    assert grants.allows(HEADER, "guard-a")
    assert not grants.allows(HEADER, "guard-b")
    assert not grants.allows(HEADER + "x", "guard-a")


def test_a_grant_expires():
    clock = Clock()
    grants = GrantCache(ttl=10, clock=clock)
    grants.grant(HEADER, "g", grants.ticket())
    clock.now = 10.5
    assert not grants.allows(HEADER, "g")


def test_a_change_forgets_every_grant_and_refuses_one_checked_before_it():
    grants = GrantCache()
    grants.grant(HEADER, "g", grants.ticket())
    stale = grants.ticket()
    grants.clear()
    assert not grants.allows(HEADER, "g")
    grants.grant(HEADER, "g", stale)  # checked before the change: not kept
    assert not grants.allows(HEADER, "g")


def test_memory_stays_bounded():
    grants = GrantCache(max_entries=3)
    for n in range(10):
        grants.grant(f"Basic {n}", "g", grants.ticket())
    assert len(grants._grants) <= 3
