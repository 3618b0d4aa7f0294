"""The Sigstore trust root attestations are verified against: TEAMINDEX_SIGSTORE_TRUST_ROOT.

A path to a `trusted_root.json` (sigstore's TrustedRoot) or a client trust config holding one
(ClientTrustConfig, as `sigstore` writes it); unset, the public-good instance's root as the
installed sigstore-python ships it. Never fetched over TUF at request time: an upload must not
wait for (or depend on) the network, and an air-gapped deployment names its own file. The file
is read once per process, and again when it changes on disk (a rotated root is picked up
without a restart).
"""

import json
import os
import threading
from importlib import resources

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from sigstore.models import ClientTrustConfig, TrustedRoot
from sigstore.verify import Verifier

PUBLIC_GOOD = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"  # sigstore's bundled copy of the root
_lock = threading.Lock()
_kept = {}  # (path, mtime_ns) -> Verifier


def configured_path():
    """The trust root file in use: the setting's, or sigstore-python's bundled public root."""
    if path := settings.TEAMINDEX_SIGSTORE_TRUST_ROOT:
        return str(path)
    return str(resources.files("sigstore") / "_store" / PUBLIC_GOOD / "trusted_root.json")


def verifier():
    """A sigstore `Verifier` for the configured trust root (kept while the file is unchanged)."""
    path = configured_path()
    try:
        key = (path, os.stat(path).st_mtime_ns)
    except OSError as exc:
        raise ImproperlyConfigured(
            f"TEAMINDEX_SIGSTORE_TRUST_ROOT: cannot read {path}: {exc}"
        ) from exc
    with _lock:
        if (kept := _kept.get(key)) is not None:
            return kept
    made = Verifier(trusted_root=load(path))
    with _lock:
        _kept.clear()
        _kept[key] = made
    return made


def load(path):
    """The TrustedRoot in the file `path`, which holds one or a client trust config."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TEAMINDEX_SIGSTORE_TRUST_ROOT: {path} is not JSON") from exc
    if isinstance(document, dict) and "trustedRoot" in document:
        return ClientTrustConfig.from_json(text).trusted_root
    return TrustedRoot.from_file(path)
