"""PostgreSQL advisory locks held until the current transaction ends.

Each kind of lock has its own class number, which keeps this plugin's locks apart from each
other and from pulpcore's (which use the one-argument form).
"""

import uuid

from pulp_teamindex.app import rows

INDEX = 0x7465616D  # "team": accepting uploads into an index and checking its new versions
BYTES = 0x62797465  # "byte": storing one content's artifact and unit


def hold_index(repository_pk):
    """Accepting an upload and checking a new version's files take turns per index, so neither
    misses what the other adds."""
    _hold(INDEX, uuid.UUID(str(repository_pk)).int)


def hold_bytes(sha256):
    """Uploads of the same bytes take turns, so the first stores the artifact and unit and
    the next finds them; a refused upload can remove the file it stored without racing one
    that is about to be accepted with the same bytes."""
    _hold(BYTES, int(sha256, 16))


def hold_all_bytes(digests):
    """`hold_bytes` for many contents at once (an import's batch, a sweep), taken in one order
    by every holder of several, so that two of them never wait for each other."""
    for number in sorted({_bytes_key(digest) for digest in digests}):
        _hold(BYTES, number)


def _bytes_key(sha256):
    return int(sha256, 16) & 0x7FFFFFFF


def _hold(kind, number):
    rows.fetch("SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", [kind, number & 0x7FFFFFFF])
