"""One deadline for everything a request does with the object store, and the breaker.

An upload (write, read back, clean up) or a download (read, or each chunk of a stream) runs
its store work through `call` (or `acall` in the content app) with a budget of
TEAMINDEX_STORE_DEADLINE seconds, plus one second per TEAMINDEX_STORE_MIN_RATE bytes it moves.
The work runs on a small pool of threads; the request waits at most the budget and then gets
`StoreUnavailable` (a 503 for the client), whatever the backend does: a frozen store cannot
hold a request past gunicorn's timeout or a client's patience. The call given up on ends by
itself soon after (`client.tighten`).

After TEAMINDEX_STORE_BREAKER_FAILURES such failures in a row the process's breaker opens:
every call is refused at once, and a background probe asks the store for a missing object
every TEAMINDEX_STORE_PROBE_INTERVAL seconds until it answers in time, which closes it.
"""

import asyncio
import contextvars
import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings

from pulp_teamindex.app.store import client
from pulp_teamindex.app.store.breaker import Breaker, is_unreachable

log = logging.getLogger(__name__)

PROBE_NAME = "teamindex-store-probe"  # never stored: the store answers "missing"
THREADS = 16

_pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="teamindex-store")
_breaker = Breaker(settings.TEAMINDEX_STORE_BREAKER_FAILURES)
_probing = threading.Lock()


class StoreUnavailable(Exception):  # noqa: N818  (the store's state, not a programming error)
    """The store did not answer within the deadline, or is known to be down. `message` says
    which, for the person who asked, without a final period (the caller adds what happened)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after()


def retry_after():
    """Seconds after which asking again may succeed: the probe's next try."""
    return max(1, math.ceil(settings.TEAMINDEX_STORE_PROBE_INTERVAL))


def budget(nbytes=0):
    """The seconds a request's store work may take when it moves `nbytes` bytes."""
    return settings.TEAMINDEX_STORE_DEADLINE + nbytes / settings.TEAMINDEX_STORE_MIN_RATE


def ensure_available():
    """Raise StoreUnavailable at once while the breaker is open."""
    if _breaker.is_open:
        raise StoreUnavailable(
            "The index's object storage cannot be reached right now (it stopped answering; "
            f"it is asked again every {settings.TEAMINDEX_STORE_PROBE_INTERVAL:g} s)"
        )


def call(fn, *args, nbytes=0):
    """fn(*args), run with the store, within `budget(nbytes)` seconds."""
    future = _submit(fn, args)
    try:
        result = future.result(timeout=budget(nbytes))
    except FutureTimeout:
        future.cancel()
        _timed_out(nbytes)
    except Exception as exc:
        _failed(exc)
        raise
    _succeeded()
    return result


async def acall(fn, *args, nbytes=0):
    """`call` for the event loop: the loop waits for the store without blocking."""
    future = _submit(fn, args)
    try:
        result = await asyncio.wait_for(asyncio.wrap_future(future), budget(nbytes))
    except TimeoutError:
        future.cancel()
        _timed_out(nbytes)
    except Exception as exc:
        _failed(exc)
        raise
    _succeeded()
    return result


def _submit(fn, args):
    ensure_available()
    job = contextvars.copy_context().run  # the request's domain, as pulpcore set it
    return _pool.submit(job, _with_bounds, fn, args)


def _with_bounds(fn, args):
    bound_client_timeouts()
    return fn(*args)


def bound_client_timeouts():
    """Bound each call of this process's S3 client by the deadline (`client.tighten`). Work
    that cannot run through `call`, such as an import task writing inside its transaction,
    then fails when the store hangs, instead of waiting on botocore's minutes of retries."""
    client.tighten(current_storage(), settings.TEAMINDEX_STORE_DEADLINE)


def current_storage():
    """The storage of the request's domain (pulpcore's default one without domains)."""
    from pulpcore.plugin.util import get_domain  # noqa: PLC0415  (models load after settings)

    return get_domain().get_storage()


def _timed_out(nbytes):
    seconds = budget(nbytes)
    _failed(TimeoutError(f"no answer in {seconds:g} s"))
    raise StoreUnavailable(
        f"The index's object storage did not answer within {seconds:.1f} s "
        "(TEAMINDEX_STORE_DEADLINE)"
    )


def _failed(exc):
    if is_unreachable(exc) and _breaker.failed():
        log.error(
            "object storage unreachable %d times in a row (%s): refusing uploads and downloads "
            "that need it until it answers again",
            _breaker.failures,
            exc,
        )
        threading.Thread(
            target=_probe_until_closed,
            args=(contextvars.copy_context(),),
            name="teamindex-store-probe",
            daemon=True,
        ).start()


def _succeeded():
    if _breaker.succeeded():
        log.warning("object storage answers again: uploads and downloads resume")


def _probe_until_closed(context):
    """Ask the store, every probe interval, until it answers within the deadline."""
    if not _probing.acquire(blocking=False):
        return  # another probe runs
    try:
        while _breaker.is_open:
            time.sleep(settings.TEAMINDEX_STORE_PROBE_INTERVAL)
            if context.run(_probe_once):
                _succeeded()
    finally:
        _probing.release()


def _probe_once():
    began = time.monotonic()
    try:
        _with_bounds(lambda: current_storage().exists(PROBE_NAME), ())
    except Exception as exc:  # noqa: BLE001  (any backend's failure keeps the breaker open)
        log.info("object storage probe failed: %s", exc)
        return False
    return time.monotonic() - began <= settings.TEAMINDEX_STORE_DEADLINE
