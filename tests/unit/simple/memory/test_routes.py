from pulp_teamindex.app.simple.memory.routes import Route, RouteTable


class Clock:
    now = 100.0

    def __call__(self):
        return self.now


def test_routes_are_used_only_while_the_change_feed_is_connected():
    table = RouteTable()
    route = route_a()
    table.put(route, table.ticket())
    assert table.get("team-a") is None  # not trusted yet: nothing is remembered
    table.connected()
    table.put(route, table.ticket())
    assert table.get("team-a") == route
    table.lost()
    assert table.get("team-a") is None
    table.connected()
    assert table.get("team-a") is None  # reconnecting starts from empty


def test_a_change_forgets_everything():
    table = RouteTable()
    table.connected()
    table.put(route_a(), table.ticket())
    table.clear()
    assert table.get("team-a") is None


def test_a_lookup_that_overlapped_a_change_is_not_remembered():
    table = RouteTable()
    table.connected()
    ticket = table.ticket()  # a lookup starts, reading the database as it was
    table.clear()  # a change is reported before the lookup ends
    table.put(route_a(), ticket)
    assert table.get("team-a") is None
    table.put(route_a(), table.ticket())
    assert table.get("team-a") == route_a()


def test_routes_expire():
    clock = Clock()
    table = RouteTable(ttl=5, clock=clock)
    table.connected()
    table.put(route_a(), table.ticket())
    clock.now += 4.9
    assert table.get("team-a") is not None
    clock.now += 0.2
    assert table.get("team-a") is None


def route_a():
    return Route("team-a", "r1", "v1", 1, pinned=False, guarded=False)
