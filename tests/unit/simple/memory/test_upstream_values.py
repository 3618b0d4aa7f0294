"""What an upstream said is remembered for TEAMINDEX_UPSTREAM_TTL only, files' facts included:
the upstream's next read may quarantine the project, and its files must then stop."""

import time
from dataclasses import dataclass

from django.conf import settings

from pulp_teamindex.app.simple.memory import Memory
from pulp_teamindex.app.simple.memory.routes import Route

if not settings.configured:
    settings.configure()


@dataclass(frozen=True)
class Value:
    source: str
    cost: int = 1


def _remembered(monkeypatch, ttl, source):
    monkeypatch.setattr(settings, "TEAMINDEX_UPSTREAM_TTL", ttl, raising=False)
    memory = Memory()
    memory.connected()
    route = Route("idx", "r1", "v1", 1, False, False, None)
    memory.routes.put(route, memory.routes.ticket())
    for kind in ("page", "file"):
        memory.remember(route, kind, "x", "x", Value(source), memory.ticket())
    return [memory.cached(route, kind, "x", "x") for kind in ("page", "file")]


def test_upstream_pages_and_files_expire(monkeypatch):
    assert _remembered(monkeypatch, 0.0, "upstream") == [None, None]
    assert _remembered(monkeypatch, 60.0, "upstream") == [Value("upstream")] * 2


def test_local_values_do_not_expire(monkeypatch):
    assert _remembered(monkeypatch, 0.0, "local") == [Value("local")] * 2


@dataclass(frozen=True)
class Maturing:
    source: str
    fresh_until: float | None
    cost: int = 1


def test_a_value_is_not_kept_past_its_fresh_until(monkeypatch):
    """A page or file the cooldown decided on is rebuilt when a held-back file matures or an
    exception expires, even before TEAMINDEX_UPSTREAM_TTL."""
    monkeypatch.setattr(settings, "TEAMINDEX_UPSTREAM_TTL", 60.0, raising=False)
    memory = Memory()
    memory.connected()
    route = Route("idx", "r1", "v1", 1, False, False, None)
    memory.routes.put(route, memory.routes.ticket())
    now = time.time()
    for name, until in (("past", now - 1), ("soon", now + 30), ("none", None)):
        memory.remember(route, "page", name, "x", Maturing("upstream", until), memory.ticket())
    assert memory.cached(route, "page", "past", "x") is None
    assert memory.cached(route, "page", "soon", "x") == Maturing("upstream", now + 30)
    assert memory.cached(route, "page", "none", "x") == Maturing("upstream", None)
    monkeypatch.setattr(time, "monotonic", lambda real=time.monotonic: real() + 45)
    assert memory.cached(route, "page", "soon", "x") is None  # its maturity came first
    assert memory.cached(route, "page", "none", "x") == Maturing("upstream", None)
