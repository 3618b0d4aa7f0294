"""Stored bytes are checked, never assumed.

pulpcore's file storage writes an artifact straight to its final path and takes a file already
there as stored, so a write cut short (a full disk, a killed process) would leave a truncated
file that a later upload of the same bytes "reuses" and the index then serves. An upload is
acknowledged only after its artifact's stored bytes have been read back and match, and a
damaged leftover is removed before it can be reused.
"""

import errno
import hashlib

OUT_OF_SPACE = {errno.ENOSPC, errno.EDQUOT}


def is_out_of_space(exc):
    return isinstance(exc, OSError) and exc.errno in OUT_OF_SPACE


def stored_matches(storage, name, size, sha256):
    """Whether `name` in `storage` holds exactly `size` bytes with digest `sha256`."""
    if not storage.exists(name):
        return False
    hasher = hashlib.sha256()
    total = 0
    with storage.open(name, "rb") as stored:
        while chunk := stored.read(1024 * 1024):
            hasher.update(chunk)
            total += len(chunk)
    return total == size and hasher.hexdigest() == sha256


def remove_damaged(storage, name, size, sha256):
    """Delete what is stored at `name` unless it is exactly the expected bytes; True if the
    intact file is there."""
    if stored_matches(storage, name, size, sha256):
        return True
    if storage.exists(name):
        storage.delete(name)
    return False
