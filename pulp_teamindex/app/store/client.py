"""Keep an S3 client's own timeouts and retries inside the store deadline.

botocore's defaults (60 s to connect, 60 s per read, up to 5 attempts) and s3transfer's five
download attempts let one call to a hung store outlast any request. `deadline.call` already
answers within the deadline; this makes the call it gave up on end soon after too, so that
abandoned threads and connections do not pile up. Only S3 backends (django-storages'
S3Storage: a botocore `client_config` and an s3transfer `transfer_config`) are changed; an
admin's tighter values are kept.
"""

import threading

from django.utils.functional import empty

ATTEMPTS = 2  # one retry: a dropped keep-alive connection is common and harmless


def tighten(storage, deadline):
    """Bound `storage`'s client timeouts by `deadline` seconds; once per storage object."""
    storage = _unwrapped(storage)
    config = getattr(storage, "client_config", None)
    if config is None or not hasattr(config, "merge"):
        return False
    if getattr(storage, "_teamindex_deadline", None) == deadline:
        return False
    storage.client_config = config.merge(_bounds(config, deadline))
    transfer = getattr(storage, "transfer_config", None)
    if transfer is not None and getattr(transfer, "num_download_attempts", 0) > ATTEMPTS:
        transfer.num_download_attempts = ATTEMPTS
    storage._connections = threading.local()  # clients made before now used the old config
    storage._teamindex_deadline = deadline
    return True


def _bounds(config, deadline):
    from botocore.config import Config  # noqa: PLC0415  (only with an S3 backend installed)

    retries = dict(getattr(config, "retries", None) or {})
    attempts = retries.get("total_max_attempts") or (retries.get("max_attempts", 4) + 1)
    retries.pop("max_attempts", None)
    retries["total_max_attempts"] = min(attempts, ATTEMPTS)
    return Config(
        connect_timeout=_least(config.connect_timeout, deadline),
        read_timeout=_least(config.read_timeout, deadline),
        retries=retries,
    )


def _least(value, deadline):
    return deadline if value is None else min(float(value), deadline)


def _unwrapped(storage):
    """The storage behind Django's lazy `default_storage`."""
    wrapped = getattr(storage, "_wrapped", None)
    if wrapped is None:
        return storage
    if wrapped is empty:  # not set up yet
        storage._setup()
        wrapped = storage._wrapped
    return wrapped
