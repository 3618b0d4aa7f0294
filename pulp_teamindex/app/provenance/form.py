"""The `attestations` field of the legacy upload form: a JSON array of PEP 740 attestation
objects (what `twine upload --attestations`, gh-action-pypi-publish and uv publish send).

Bounded before anything is parsed or verified: a verification costs milliseconds of CPU in an
API worker, so an upload carries at most MAX_ATTESTATIONS of at most MAX_ATTESTATION_BYTES each.
"""

import json

from pulp_teamindex.app.exceptions import InvalidDistribution

FIELD = "attestations"
MAX_ATTESTATIONS = 5  # PyPI accepts one per predicate type; two types exist today
MAX_ATTESTATION_BYTES = 64 * 1024  # a real one is about 10 KiB (certificate and log entry)


def attestations_of(form):
    """The list of attestation objects sent with an upload ([] when none was sent); refused,
    with what to fix, when the field is not a bounded JSON array of objects."""
    raw = form.get(FIELD)
    if raw is None or raw == "":
        return []
    if not isinstance(raw, str):
        raise _invalid("send it as one form field holding a JSON array")
    if len(raw.encode()) > MAX_ATTESTATIONS * MAX_ATTESTATION_BYTES:
        raise _invalid(
            f"it is {len(raw.encode())} bytes; this index accepts at most {MAX_ATTESTATIONS} "
            f"attestations of {MAX_ATTESTATION_BYTES} bytes each"
        )
    try:
        found = json.loads(raw)
    except ValueError as exc:
        raise _invalid(f"it is not JSON ({exc})") from None
    if not isinstance(found, list) or not found:
        raise _invalid("it must be a non-empty JSON array of PEP 740 attestation objects")
    if len(found) > MAX_ATTESTATIONS:
        raise _invalid(
            f"it holds {len(found)} attestations; this index accepts at most {MAX_ATTESTATIONS}"
        )
    for number, attestation in enumerate(found, 1):
        if not isinstance(attestation, dict):
            raise _invalid(f"attestation {number} is not a JSON object")
        if len(json.dumps(attestation).encode()) > MAX_ATTESTATION_BYTES:
            raise _invalid(f"attestation {number} is larger than {MAX_ATTESTATION_BYTES} bytes")
    return found


def _invalid(why):
    return InvalidDistribution(f"Invalid attestations field: {why}.")
