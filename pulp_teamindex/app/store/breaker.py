"""A per-process circuit breaker for the object store (pure: no Django, no I/O).

A store that hangs (a frozen server, a black-holed network) costs every request that touches
it a whole deadline; while it is known to be down, those requests should be refused at once
instead, and pages (which never touch the store) keep answering. After `threshold` failures in
a row the breaker opens; only a success (the background probe's, in practice) closes it.
"""

import threading

# Exceptions that mean "the store did not answer", by class name anywhere in the exception's
# class hierarchy, so that no storage backend has to be imported to recognise its errors:
# botocore's connection errors (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError
# all derive from its ConnectionError or HTTPClientError), and Python's own.
UNREACHABLE_NAMES = frozenset(
    {"ConnectionError", "HTTPClientError", "ConnectTimeoutError", "ReadTimeoutError"}
)


def is_unreachable(exc):
    """Whether `exc` says the store could not be reached or did not answer in time (as opposed
    to an answer: a missing object, a refused signature, a full disk)."""
    if isinstance(exc, TimeoutError | ConnectionError):
        return True
    return any(cls.__name__ in UNREACHABLE_NAMES for cls in type(exc).__mro__)


class Breaker:
    """Counts consecutive failures; open from the `threshold`-th until a success."""

    def __init__(self, threshold):
        self.threshold = max(1, int(threshold))
        self._lock = threading.Lock()
        self._failures = 0
        self._open = False

    @property
    def is_open(self):
        return self._open

    @property
    def failures(self):
        return self._failures

    def failed(self):
        """Record a failure; True when this one opened the breaker."""
        with self._lock:
            self._failures += 1
            if self._open or self._failures < self.threshold:
                return False
            self._open = True
            return True

    def succeeded(self):
        """Record a success; True when this one closed the breaker."""
        with self._lock:
            was_open, self._open, self._failures = self._open, False, 0
            return was_open
