"""PEP 740 attestations: checked when a trusted publisher uploads a file, kept as a `Provenance`
unit beside it, and served as the file's provenance object (the Integrity API).

`form` reads and bounds the upload's `attestations` field, `trust` loads the Sigstore trust
root (TEAMINDEX_SIGSTORE_TRUST_ROOT), `identity` turns the claims of the identity token that
minted the upload token into what the signing certificate must say, `verify` checks each
attestation with sigstore-python and pypi-attestations and builds the provenance object,
`lookup` finds the provenance of the files a version serves. No cryptography is written here:
the certificate chain, SCT, transparency log proofs and the DSSE signature are sigstore's.
"""
