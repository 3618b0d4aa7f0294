"""The trust root setting: a trusted_root.json or a client trust config holding one; unset,
sigstore-python's bundled public-good root, read from disk (never fetched)."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from sigstore_root import Sigstore

from pulp_teamindex.app.provenance import trust

if not settings.configured:
    settings.configure()


def test_unset_means_the_bundled_public_good_root():
    with override_settings(TEAMINDEX_SIGSTORE_TRUST_ROOT=None):
        path = trust.configured_path()
        assert path.endswith("tuf-repo-cdn.sigstore.dev/trusted_root.json")
        root = trust.load(path)
    assert root.get_fulcio_certs()  # the public Fulcio CA, from the file on disk


def test_a_trusted_root_and_a_client_trust_config_load_alike(tmp_path):
    instance = Sigstore(tmp_path / "sigstore")
    document = json.loads(instance.trusted_root_path.read_text())
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
                "trustedRoot": document,
                "signingConfig": {
                    "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                    "caUrls": [],
                    "oidcUrls": [],
                    "rekorTlogUrls": [],
                    "tsaUrls": [],
                    "rekorTlogConfig": {"selector": "ANY"},
                    "tsaConfig": {"selector": "ANY"},
                },
            }
        )
    )
    plain = trust.load(str(instance.trusted_root_path))
    wrapped = trust.load(str(config))
    assert wrapped.get_fulcio_certs() == plain.get_fulcio_certs()
    with override_settings(TEAMINDEX_SIGSTORE_TRUST_ROOT=str(instance.trusted_root_path)):
        assert trust.verifier() is trust.verifier()  # read once while the file is unchanged


def test_a_missing_or_broken_file_says_which_setting(tmp_path):
    missing = override_settings(TEAMINDEX_SIGSTORE_TRUST_ROOT=str(tmp_path / "missing.json"))
    with missing, pytest.raises(ImproperlyConfigured, match="TEAMINDEX_SIGSTORE_TRUST_ROOT"):
        trust.verifier()
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ImproperlyConfigured, match="not JSON"):
        trust.load(str(broken))
