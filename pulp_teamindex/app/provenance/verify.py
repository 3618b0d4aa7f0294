"""Checking the attestations of one uploaded file and building its PEP 740 provenance object.

Each attestation must (a) be an in-toto statement whose single subject is this file (its
name, and its sha256: an attestation of another file, or one replayed from another upload of
other bytes, names another digest), of a predicate type PyPI knows, one per type; (b) verify
against the configured Sigstore trust root (certificate chain and validity at the log's time,
embedded SCT, transparency log inclusion proof, checkpoint and signed entry timestamp, the
DSSE signature: all sigstore-python's `Verifier.verify_dsse`); (c) be signed by the identity
that minted the upload token (`identity`). The first failure refuses the upload with a 400
that says which attestation and why.
"""

import json
import logging

import sigstore.errors
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from pydantic import ValidationError
from pypi_attestations import Attestation, AttestationType, ConversionError

from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.provenance.identity import expected

INTOTO = "application/vnd.in-toto+json"
KNOWN_TYPES = {t.value for t in AttestationType}
log = logging.getLogger(__name__)


def provenance_for(attestations, filename, sha256, claims, verifier):
    """The provenance object (PEP 740) of the file `filename` with digest `sha256`, whose
    upload token carries trusted publishing `claims`, from its verified `attestations`."""
    checks, publisher = expected(claims)
    kept, types = [], set()
    for number, raw in enumerate(attestations, 1):
        attestation = _parsed(number, raw, filename)
        predicate_type = _verified(number, attestation, filename, sha256, checks, verifier)
        if predicate_type in types:
            raise _refused(number, filename, f"a second attestation of type {predicate_type}")
        types.add(predicate_type)
        kept.append(attestation.model_dump(mode="json"))
    return {"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": kept}]}


def _parsed(number, raw, filename):
    try:
        return Attestation.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'object'}: {e['msg']}" for e in exc.errors()[:3]
        )
        raise _refused(number, filename, f"not a PEP 740 attestation object ({problems})") from None


def _verified(number, attestation, filename, sha256, checks, verifier):
    """The predicate type of `attestation`, once it is proven to be of this file and signed by
    the trusted publisher under the trust root."""
    try:
        bundle = attestation.to_bundle()
        payload_type, payload = verifier.verify_dsse(bundle, checks)
    except ConversionError as exc:
        raise _refused(number, filename, f"its Sigstore material is malformed ({exc})") from None
    except sigstore.errors.Error as exc:
        raise _refused(number, filename, _sigstore_reason(exc)) from None
    except Exception as exc:  # hostile material sigstore did not foresee is no server error
        log.info("attestation %d of %s: %r", number, filename, exc)
        raise _refused(
            number, filename, f"its Sigstore material cannot be used ({type(exc).__name__})"
        ) from None
    if payload_type != INTOTO:
        raise _refused(
            number, filename, f"its envelope holds {payload_type}, not an in-toto statement"
        )
    return _statement_type(number, payload, filename, sha256)


def _sigstore_reason(exc):
    """What a person can do about sigstore's refusal: the wrong root (or altered material), or
    the wrong signer."""
    text = str(exc)
    if "certificate chain" in text or "SCT" in text or "log entry" in text:
        return (
            f"it does not verify against this index's Sigstore trust root ({text}); it was "
            "signed by another Sigstore instance, or altered"
        )
    wrong_signer = ("does not match", "do not match", "does not contain", "the certificate")
    if any(words in text for words in wrong_signer):
        return (
            f"it was not signed by the CI identity this upload token was minted for ({text}); "
            "attest with the workflow the index's trusted publisher policy trusts"
        )
    return f"it does not verify ({text})"


def _statement_type(number, payload, filename, sha256):
    try:
        statement = json.loads(payload)
        subjects = statement["subject"]
        predicate_type = statement["predicateType"]
    except (ValueError, KeyError, TypeError):
        raise _refused(number, filename, "its statement is not an in-toto statement") from None
    if not isinstance(subjects, list) or len(subjects) != 1 or not isinstance(subjects[0], dict):
        raise _refused(number, filename, "its statement must name exactly one subject")
    subject = subjects[0]
    name, digests = subject.get("name"), subject.get("digest")
    if not isinstance(name, str) or not same_distribution(name, filename):
        raise _refused(number, filename, f"it attests the file {name!r}, not {filename!r}")
    if not isinstance(digests, dict) or digests.get("sha256") != sha256:
        raise _refused(
            number,
            filename,
            "it attests other bytes than this file's (its sha256 differs): an attestation "
            "belongs to the one file it was made for",
        )
    if predicate_type not in KNOWN_TYPES:
        raise _refused(number, filename, f"its predicate type {predicate_type!r} is unknown")
    return predicate_type


def same_distribution(name, filename):
    """Whether the subject `name` is the distribution `filename`, as pypi-attestations (and
    PyPI) compare them: the parsed filenames are equal (a wheel's compressed tags may be
    spelled differently)."""
    return _parsed_name(name) is not None and _parsed_name(name) == _parsed_name(filename)


def _parsed_name(name):
    try:
        if name.endswith(".whl"):
            return parse_wheel_filename(name)
        if name.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(name)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return None


def _refused(number, filename, why):
    return InvalidDistribution(
        f"Attestation {number} of {filename} was refused: {why}. Nothing was stored."
    )
