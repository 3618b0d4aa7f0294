"""Store work answers within its deadline whatever the store does; after a few failures the
breaker refuses at once, and the background probe closes it when the store answers again."""

import asyncio
import threading
import time

import pytest
from django.conf import settings

if not settings.configured:
    settings.configure()
settings.TEAMINDEX_STORE_DEADLINE = 0.3
settings.TEAMINDEX_STORE_MIN_RATE = 1000
settings.TEAMINDEX_STORE_BREAKER_FAILURES = 3
settings.TEAMINDEX_STORE_PROBE_INTERVAL = 0.1

from pulp_teamindex.app.store import deadline  # noqa: E402
from pulp_teamindex.app.store.breaker import Breaker  # noqa: E402


class Store:
    """A store that answers, or hangs until it is released."""

    def __init__(self):
        self.answering = threading.Event()
        self.answering.set()
        self.calls = 0

    def get(self, value="bytes"):
        self.calls += 1
        if not self.answering.wait(timeout=5):
            raise TimeoutError("still hung")
        return value

    def exists(self, name):
        return self.get(False)


@pytest.fixture
def store(monkeypatch):
    store = Store()
    monkeypatch.setattr(deadline, "_breaker", Breaker(3))
    monkeypatch.setattr(deadline, "current_storage", lambda: store)
    yield store
    store.answering.set()
    _wait_for(lambda: not deadline._breaker.is_open)


def _wait_for(condition, timeout=3.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.02)


def _timed(fn, *args, **kwargs):
    began = time.monotonic()
    try:
        return fn(*args, **kwargs), time.monotonic() - began
    except deadline.StoreUnavailable as exc:
        return exc, time.monotonic() - began


def test_an_answering_store_gives_its_answer(store):
    assert deadline.call(store.get, "wheel") == "wheel"
    assert not deadline._breaker.is_open


def test_a_hung_store_is_a_refusal_at_the_deadline(store):
    store.answering.clear()
    refused, took = _timed(deadline.call, store.get)
    assert isinstance(refused, deadline.StoreUnavailable)
    assert 0.3 <= took < 0.6
    assert "did not answer within 0.3 s" in refused.message and refused.retry_after == 1


def test_the_deadline_grows_with_the_bytes_moved(store):
    store.answering.clear()
    refused, took = _timed(deadline.call, store.get, nbytes=300)  # 0.3 s + 300 B at 1000 B/s
    assert 0.6 <= took < 0.9 and "within 0.6 s" in refused.message


def test_after_three_timeouts_calls_are_refused_at_once_until_the_probe_succeeds(store):
    store.answering.clear()
    for _ in range(3):
        _timed(deadline.call, store.get)
    assert deadline._breaker.is_open
    calls = store.calls
    refused, took = _timed(deadline.call, store.get)
    assert isinstance(refused, deadline.StoreUnavailable) and took < 0.05
    assert "cannot be reached right now" in refused.message
    assert store.calls == calls  # the refused call never reached the store
    store.answering.set()  # the store is back: the probe notices within its interval
    _wait_for(lambda: not deadline._breaker.is_open, timeout=1.0)
    assert deadline.call(store.get, "again") == "again"


def test_scattered_timeouts_never_open_the_breaker(store):
    for _ in range(4):
        store.answering.clear()
        _timed(deadline.call, store.get)
        _timed(deadline.call, store.get)
        store.answering.set()
        assert deadline.call(store.get) == "bytes"
    assert not deadline._breaker.is_open


def test_an_answer_that_is_an_error_is_passed_on_and_not_counted(store):
    def missing():
        raise FileNotFoundError("no such object")

    for _ in range(5):
        with pytest.raises(FileNotFoundError):
            deadline.call(missing)
    assert not deadline._breaker.is_open


def test_connection_errors_count_like_timeouts(store):
    def refused():
        raise ConnectionRefusedError("store down")

    for _ in range(3):
        with pytest.raises(ConnectionRefusedError):
            deadline.call(refused)
    assert deadline._breaker.is_open


def test_the_event_loop_keeps_running_while_it_waits_for_a_hung_store(store):
    store.answering.clear()
    ticks = []

    async def ticker():
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    async def main():
        beat = asyncio.create_task(ticker())
        began = time.monotonic()
        with pytest.raises(deadline.StoreUnavailable):
            await deadline.acall(store.get)
        took = time.monotonic() - began
        beat.cancel()
        return took

    took = asyncio.run(main())
    assert 0.3 <= took < 0.6
    assert len(ticks) >= 10  # the loop was never blocked


def test_acall_gives_the_answer(store):
    assert asyncio.run(deadline.acall(store.get, "wheel")) == "wheel"
