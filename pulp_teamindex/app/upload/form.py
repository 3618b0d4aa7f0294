"""The legacy upload form that twine posts: which fields it must have, and that what it claims
about the file agrees with the file itself."""

import hashlib

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pulp_teamindex.app.exceptions import InvalidDistribution

DIGEST_FIELDS = {
    "sha256_digest": "sha256",
    "md5_digest": "md5",
    "blake2_256_digest": "blake2_256",
}


def check_action(form):
    """twine sends `:action=file_upload`; anything else is not an upload."""
    action = form.get(":action")
    if action != "file_upload":
        raise InvalidDistribution(
            f"Unsupported :action {action!r}: this endpoint only accepts file_upload."
        )


def claimable_hashers(sha256):
    """Hashers for the digests twine may send, fed as the file arrives (see
    `multipart.HashingUploadHandler`), so the file is read once; `sha256` is the hasher the
    artifact's digests already use."""
    return {
        "sha256": sha256,
        "md5": hashlib.md5(usedforsecurity=False),
        "blake2_256": hashlib.blake2b(digest_size=32),
    }


def hexdigests(hashers):
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def check_claims(form, info, digests):
    """Refuse an upload whose form fields contradict the file: a client that sent one thing and
    a file that says another is a broken or hostile pipeline, and the index keeps the file's
    own word only when nothing disagrees with it."""
    for field, algorithm in DIGEST_FIELDS.items():
        claimed = (form.get(field) or "").strip().lower()
        if claimed and claimed != digests[algorithm]:
            raise InvalidDistribution(
                f"The {field} sent with {info.filename} does not match the received file: "
                "the upload was corrupted in transit. Retry the upload."
            )
    claimed_name = form.get("name")
    if claimed_name and canonicalize_name(claimed_name) != info.normalized_name:
        raise InvalidDistribution(
            f"The form names project {claimed_name!r} but {info.filename} is {info.name!r}."
        )
    claimed_version = form.get("version")
    if claimed_version and not _same_version(claimed_version, info.version):
        raise InvalidDistribution(
            f"The form gives version {claimed_version!r} but {info.filename} is "
            f"version {info.version}."
        )
    claimed_type = form.get("filetype")
    if claimed_type and claimed_type != info.packagetype:
        raise InvalidDistribution(
            f"The form gives filetype {claimed_type!r} but {info.filename} is a {info.packagetype}."
        )


def _same_version(a, b):
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False
