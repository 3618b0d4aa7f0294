import errno
import hashlib
import io

from pulp_teamindex.app.upload.storage_check import is_out_of_space, remove_damaged, stored_matches

DATA = b"wheel bytes" * 100
SHA = hashlib.sha256(DATA).hexdigest()


class MemoryStorage:
    """The three calls of Django's storage API that the check uses."""

    def __init__(self, files):
        self.files = dict(files)

    def exists(self, name):
        return name in self.files

    def open(self, name, mode="rb"):
        return io.BytesIO(self.files[name])

    def delete(self, name):
        del self.files[name]


def test_only_the_exact_bytes_match():
    storage = MemoryStorage({"a": DATA, "short": DATA[:-1], "other": DATA[:-1] + b"!"})
    assert stored_matches(storage, "a", len(DATA), SHA)
    assert not stored_matches(storage, "short", len(DATA), SHA)
    assert not stored_matches(storage, "other", len(DATA), SHA)
    assert not stored_matches(storage, "missing", len(DATA), SHA)


def test_a_truncated_leftover_is_removed_and_an_intact_file_kept():
    storage = MemoryStorage({"partial": DATA[:10], "intact": DATA})
    assert not remove_damaged(storage, "partial", len(DATA), SHA)
    assert "partial" not in storage.files
    assert remove_damaged(storage, "intact", len(DATA), SHA)
    assert storage.files["intact"] == DATA


def test_out_of_space_is_recognised():
    assert is_out_of_space(OSError(errno.ENOSPC, "No space left on device"))
    assert is_out_of_space(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not is_out_of_space(OSError(errno.EACCES, "Permission denied"))
    assert not is_out_of_space(ValueError("x"))
