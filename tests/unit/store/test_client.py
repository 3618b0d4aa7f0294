"""An S3 storage's own timeouts and retries are bounded by the store deadline (so a call the
request gave up on ends soon after), keeping an admin's tighter values and the rest."""

import threading

from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from django.utils.functional import LazyObject

from pulp_teamindex.app.store.client import tighten


class FakeS3Storage:
    def __init__(self, config=None):
        self.client_config = config or Config(s3={"addressing_style": "path"})
        self.transfer_config = TransferConfig()
        self._connections = threading.local()
        self._connections.connection = "made with the old config"


def test_botocore_defaults_are_bounded_by_the_deadline():
    storage = FakeS3Storage()
    assert tighten(storage, 5.0) is True
    config = storage.client_config
    assert (config.connect_timeout, config.read_timeout) == (5.0, 5.0)
    assert config.retries == {"total_max_attempts": 2}
    assert config.s3 == {"addressing_style": "path"}  # the rest is kept
    assert storage.transfer_config.num_download_attempts == 2
    assert not hasattr(storage._connections, "connection")  # clients are made anew


def test_tighter_values_and_the_retry_mode_are_kept():
    mine = Config(
        connect_timeout=1, read_timeout=30, retries={"max_attempts": 0, "mode": "standard"}
    )
    storage = FakeS3Storage(mine)
    tighten(storage, 4.0)
    config = storage.client_config
    assert (config.connect_timeout, config.read_timeout) == (1.0, 4.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}


def test_once_per_storage_and_deadline():
    storage = FakeS3Storage()
    assert tighten(storage, 5.0) is True
    storage._connections.connection = "made with the new config"
    assert tighten(storage, 5.0) is False
    assert storage._connections.connection == "made with the new config"
    assert tighten(storage, 3.0) is True and storage.client_config.read_timeout == 3.0


def test_the_storage_behind_a_lazy_default_storage_is_tightened():
    inner = FakeS3Storage()

    class Lazy(LazyObject):
        def _setup(self):
            self._wrapped = inner

    assert tighten(Lazy(), 2.0) is True
    assert inner.client_config.read_timeout == 2.0


def test_other_backends_are_left_alone():
    class FileSystemStorage:
        pass

    assert tighten(FileSystemStorage(), 5.0) is False
