"""What an upload through the legacy API must bring in attestations, and the provenance object
it gets.

Attestations come only with a token minted by trusted publishing, as on PyPI: an attestation
proves which CI identity signed a file, and only such a token says which identity the index
trusts to publish (its policy). Sent with a stored API token or a password, they are refused
with a 400 rather than ignored, so that a pipeline believing its files carry provenance learns
that they would not. An index with `require_provenance` refuses a file without attestations.
"""

import logging

from django.core.exceptions import ImproperlyConfigured

from pulp_teamindex.app.exceptions import InvalidDistribution, PublishFailed
from pulp_teamindex.app.provenance import trust
from pulp_teamindex.app.provenance.form import attestations_of
from pulp_teamindex.app.provenance.identity import NotTrustedPublishing, expected
from pulp_teamindex.app.provenance.verify import provenance_for

log = logging.getLogger(__name__)


def provenance_of_upload(form, token, repository, info):
    """The verified provenance object of the uploaded file `info`, or None when it came
    without attestations (and the index does not require them); InvalidDistribution says
    what is wrong otherwise. Runs before anything is stored."""
    attestations = attestations_of(form)
    claims = getattr(token, "claims", None) or {}
    if not attestations:
        if repository.require_provenance:
            raise InvalidDistribution(
                f"Index {repository.name!r} requires a PEP 740 attestation with every file, and "
                f"{info.filename} came without one: publish it from CI through trusted "
                "publishing with attestations (twine upload --attestations, "
                "pypa/gh-action-pypi-publish with `attestations: true`)."
            )
        return None
    try:
        expected(claims)  # the identity the signatures must be of
    except NotTrustedPublishing:
        raise InvalidDistribution(
            "Attestations are accepted only with an upload token minted by trusted publishing "
            "(the identity that signed them must be the one the index trusts); upload without "
            "attestations, or publish from CI through trusted publishing."
        ) from None
    try:
        verifier = trust.verifier()
    except ImproperlyConfigured as exc:  # the deployment's fault, not the upload's
        log.error("attestations cannot be verified: %s", exc)
        raise PublishFailed(
            503,
            "This index cannot verify attestations now (its Sigstore trust root cannot be "
            "read); nothing was stored. Retry later, or tell an admin "
            "(TEAMINDEX_SIGSTORE_TRUST_ROOT).",
            retry_after=60,
        ) from None
    return provenance_for(attestations, info.filename, info.sha256, claims, verifier)
