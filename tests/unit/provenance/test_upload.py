"""What an upload must bring: attestations only with a trusted publishing token, one when the
index requires provenance, and a 503 (not a 500, not an accepted file) when the deployment's
trust root cannot be read."""

import json
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings
from sigstore_root import Sigstore, github_identity

from pulp_teamindex.app.exceptions import InvalidDistribution, PublishFailed
from pulp_teamindex.app.provenance.upload import provenance_of_upload

if not settings.configured:
    settings.configure()

ISSUER = "https://ci.example/github"
INFO = SimpleNamespace(filename="acme_app-1.0-py3-none-any.whl", sha256="ab" * 32)
CLAIMS = {
    "iss": ISSUER,
    "repository": "acme/app",
    "workflow_ref": "acme/app/.github/workflows/release.yml@refs/tags/v1.0.0",
}
TRUSTED = SimpleNamespace(claims=CLAIMS)  # a token minted by trusted publishing
STORED = SimpleNamespace(claims={})  # a stored API token


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    return Sigstore(tmp_path_factory.mktemp("sigstore"))


def _index(require=False):
    return SimpleNamespace(name="team-a", require_provenance=require)


def _form(instance):
    attestation = instance.attest(INFO.filename, INFO.sha256, github_identity(ISSUER))
    return {"attestations": json.dumps([attestation])}


def test_without_attestations_nothing_is_needed_unless_the_index_requires_it():
    assert provenance_of_upload({}, TRUSTED, _index(), INFO) is None
    with pytest.raises(InvalidDistribution, match="requires a PEP 740 attestation"):
        provenance_of_upload({}, TRUSTED, _index(require=True), INFO)


@pytest.mark.parametrize("token", [STORED, None])
def test_attestations_without_trusted_publishing_are_refused(instance, token):
    with pytest.raises(InvalidDistribution, match="minted by trusted publishing"):
        provenance_of_upload(_form(instance), token, _index(), INFO)


def test_a_good_attestation_under_the_configured_root(instance):
    with override_settings(TEAMINDEX_SIGSTORE_TRUST_ROOT=str(instance.trusted_root_path)):
        provenance = provenance_of_upload(_form(instance), TRUSTED, _index(require=True), INFO)
    assert provenance["attestation_bundles"][0]["publisher"]["repository"] == "acme/app"


def test_an_unreadable_trust_root_is_a_503_that_stores_nothing(instance, tmp_path):
    gone = override_settings(TEAMINDEX_SIGSTORE_TRUST_ROOT=str(tmp_path / "gone.json"))
    with gone, pytest.raises(PublishFailed) as failed:
        provenance_of_upload(_form(instance), TRUSTED, _index(), INFO)
    assert failed.value.status == 503 and failed.value.retry_after
    assert "TEAMINDEX_SIGSTORE_TRUST_ROOT" in str(failed.value)


def test_the_public_good_root_refuses_a_private_instance_attestation(instance):
    public_good = override_settings(TEAMINDEX_SIGSTORE_TRUST_ROOT=None)
    with public_good, pytest.raises(InvalidDistribution, match="Sigstore trust root"):
        provenance_of_upload(_form(instance), TRUSTED, _index(), INFO)
