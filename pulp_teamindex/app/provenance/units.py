"""The `Provenance` unit of a verified provenance object, found or created: an upload that is
retried (twine after a timeout) finds the unit its first try made."""

import hashlib
import json

from pulp_teamindex.app.domains import domain_kwargs, in_domain
from pulp_teamindex.app.models import Provenance


def document_digest(document):
    """The sha256 of the provenance object's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def unit_for(filename, sha256, document):
    """The saved unit holding `document` for the file `filename` with digest `sha256`. Call it
    inside the upload's transaction, holding the bytes' lock: a concurrent upload of the same
    file waits, so the lookup and the insert do not race."""
    digest = document_digest(document)
    found = in_domain(Provenance.objects.filter(filename=filename, sha256=sha256, digest=digest))
    if (unit := found.first()) is not None:
        return unit
    return Provenance.objects.create(
        filename=filename,
        sha256=sha256,
        provenance=document,
        digest=digest,
        **domain_kwargs(Provenance),
    )
