"""The `attestations` form field: a bounded JSON array of objects, or a 400 that says why."""

import json

import pytest

from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.provenance.form import (
    MAX_ATTESTATION_BYTES,
    MAX_ATTESTATIONS,
    attestations_of,
)


@pytest.mark.parametrize("form", [{}, {"attestations": ""}])
def test_no_field_means_no_attestations(form):
    assert attestations_of(form) == []


def test_a_json_array_of_objects_is_returned_as_sent():
    sent = [{"version": 1, "envelope": {}}, {"version": 1}]
    assert attestations_of({"attestations": json.dumps(sent)}) == sent


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{", "not JSON"),
        ('{"version": 1}', "non-empty JSON array"),
        ("[]", "non-empty JSON array"),
        ("[1]", "attestation 1 is not a JSON object"),
        (json.dumps([{}] * (MAX_ATTESTATIONS + 1)), f"at most {MAX_ATTESTATIONS}"),
        (json.dumps([{"x": "y" * MAX_ATTESTATION_BYTES}]), "larger than"),
        (json.dumps([{"x": "y" * MAX_ATTESTATION_BYTES}] * MAX_ATTESTATIONS), "bytes; this"),
    ],
)
def test_malformed_or_oversized_fields_are_refused(raw, reason):
    with pytest.raises(InvalidDistribution) as refused:
        attestations_of({"attestations": raw})
    assert reason in str(refused.value)
    assert str(refused.value).startswith("Invalid attestations field")


def test_a_field_sent_twice_is_refused():
    with pytest.raises(InvalidDistribution, match="one form field"):
        attestations_of({"attestations": ["[]", "[]"]})
