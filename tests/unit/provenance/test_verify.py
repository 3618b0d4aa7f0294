"""Verifying attestations with sigstore-python's real Verifier against a private trust root
(tests/functional/sigstore_root.py), and mapping a trusted publisher's claims to the identity
the signing certificate must carry."""

import base64
import json

import pytest
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier
from sigstore_root import (
    BUILD_CONFIG_URI,
    ISSUER_V1,
    ISSUER_V2,
    SOURCE_REPOSITORY_URI,
    Sigstore,
    github_identity,
)

from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.provenance.identity import NotTrustedPublishing, expected
from pulp_teamindex.app.provenance.verify import provenance_for, same_distribution

ISSUER = "https://ci.example/github"
FILE = "acme_app-1.0-py3-none-any.whl"
DIGEST = "ab" * 32
CLAIMS = {
    "iss": ISSUER,
    "sub": "repo:acme/app:ref:refs/tags/v1.0.0",
    "repository": "acme/app",
    "workflow_ref": "acme/app/.github/workflows/release.yml@refs/tags/v1.0.0",
    "environment": "release",
}


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    return Sigstore(tmp_path_factory.mktemp("sigstore"))


@pytest.fixture(scope="module")
def verifier(instance):
    return Verifier(trusted_root=TrustedRoot.from_file(str(instance.trusted_root_path)))


def _attest(instance, name=FILE, digest=DIGEST, **identity):
    return instance.attest(name, digest, github_identity(**{"issuer": ISSUER, **identity}))


def test_a_good_attestation_gives_the_provenance_object(instance, verifier):
    sent = _attest(instance)
    provenance = provenance_for([sent], FILE, DIGEST, CLAIMS, verifier)
    (bundle,) = provenance["attestation_bundles"]
    assert provenance["version"] == 1
    assert bundle["publisher"] == {
        "kind": "GitHub",
        "repository": "acme/app",
        "workflow": "release.yml",
        "environment": "release",
    }
    (kept,) = bundle["attestations"]
    assert kept["envelope"]["statement"] == sent["envelope"]["statement"]
    assert (
        kept["verification_material"]["certificate"]
        == (sent["verification_material"]["certificate"])
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": "acme_app-2.0-py3-none-any.whl"}, "attests the file"),
        ({"digest": "cd" * 32}, "its sha256 differs"),
        ({"repository": "evil/app"}, "Source Repository URI"),
        ({"workflow": "other.yml"}, "Build Config URI"),
        ({"ref": "refs/heads/main"}, "Build Config URI"),  # another run than the token's
        ({"issuer": "https://evil.example"}, "OIDCIssuerV2"),
    ],
)
def test_an_attestation_of_anything_else_is_refused(instance, verifier, change, reason):
    with pytest.raises(InvalidDistribution) as refused:
        provenance_for([_attest(instance, **change)], FILE, DIGEST, CLAIMS, verifier)
    assert reason in str(refused.value)
    assert str(refused.value).startswith(f"Attestation 1 of {FILE} was refused")
    if "name" not in change and "digest" not in change:  # the signer, not the file, is wrong
        assert "not signed by the CI identity this upload token was minted for" in str(
            refused.value
        )


def test_another_trust_root_is_refused(instance, tmp_path):
    rogue = Sigstore(tmp_path)
    trusted = Verifier(trusted_root=TrustedRoot.from_file(str(instance.trusted_root_path)))
    with pytest.raises(InvalidDistribution, match="Sigstore trust root"):
        provenance_for([_attest(rogue)], FILE, DIGEST, CLAIMS, trusted)


def test_a_tampered_statement_or_signature_is_refused(instance, verifier):
    sent = _attest(instance)
    statement = json.loads(base64.b64decode(sent["envelope"]["statement"]))
    statement["subject"][0]["digest"]["sha256"] = "cd" * 32
    swapped = json.dumps(statement).encode()
    sent["envelope"]["statement"] = base64.b64encode(swapped).decode()
    with pytest.raises(InvalidDistribution, match="does not verify|log entry"):
        provenance_for([sent], FILE, "cd" * 32, CLAIMS, verifier)


def test_two_attestations_of_one_type_are_refused(instance, verifier):
    both = [_attest(instance), _attest(instance)]
    with pytest.raises(InvalidDistribution, match="Attestation 2 .* a second attestation"):
        provenance_for(both, FILE, DIGEST, CLAIMS, verifier)


def test_an_object_that_is_no_attestation_is_refused(verifier):
    with pytest.raises(InvalidDistribution, match="not a PEP 740 attestation object"):
        provenance_for([{"version": 1}], FILE, DIGEST, CLAIMS, verifier)


def test_claims_map_to_publishers():
    _checks, gitlab = expected({"iss": "https://gitlab.com", "project_path": "acme/app"})
    assert gitlab == {"kind": "GitLab", "repository": "acme/app"}
    _checks, generic = expected({"iss": "https://oidc.example", "sub": "ci@example.com"})
    assert generic == {
        "kind": "OIDC",
        "issuer": "https://oidc.example",
        "identity": "ci@example.com",
    }
    for claims in ({}, {"sub": "x"}, {"iss": "https://k8s.example"}):
        with pytest.raises(NotTrustedPublishing):
            expected(claims)


@pytest.mark.parametrize(
    ("name", "filename", "same"),
    [
        (FILE, FILE, True),
        ("Acme_App-1.0-py3-none-any.whl", FILE, True),  # parsed names are compared
        ("acme_app-1.0.tar.gz", FILE, False),
        ("acme_app-1.1-py3-none-any.whl", FILE, False),
        ("not a distribution", FILE, False),
    ],
)
def test_subject_names_are_compared_as_distributions(name, filename, same):
    assert same_distribution(name, filename) is same


GITLAB_CLAIMS = {
    "iss": "https://gitlab.example",
    "project_path": "acme/app",
    "ci_config_ref_uri": "gitlab.example/acme/app//.gitlab-ci.yml@refs/heads/main",
}


def _gitlab_identity(project="acme/app", config=".gitlab-ci.yml", ref="refs/heads/main"):
    """The certificate claims Fulcio writes for a GitLab CI job."""
    server = "https://gitlab.example"
    return {
        "san": f"{server}/{project}//{config}@{ref}",
        ISSUER_V1: "https://gitlab.example",
        ISSUER_V2: "https://gitlab.example",
        SOURCE_REPOSITORY_URI: f"{server}/{project}",
        BUILD_CONFIG_URI: f"{server}/{project}//{config}@{ref}",
    }


def test_a_gitlab_job_attests_with_its_project_and_ci_file(instance, verifier):
    good = instance.attest(FILE, DIGEST, _gitlab_identity())
    provenance = provenance_for([good], FILE, DIGEST, GITLAB_CLAIMS, verifier)
    assert provenance["attestation_bundles"][0]["publisher"] == {
        "kind": "GitLab",
        "repository": "acme/app",
        "workflow_filepath": ".gitlab-ci.yml",
    }
    for identity, reason in (
        (_gitlab_identity(project="evil/app"), "Source Repository URI"),
        (_gitlab_identity(config="other.yml"), "Build Config URI"),
    ):
        with pytest.raises(InvalidDistribution, match=reason):
            provenance_for(
                [instance.attest(FILE, DIGEST, identity)], FILE, DIGEST, GITLAB_CLAIMS, verifier
            )


def test_a_kubernetes_service_account_attests_under_its_fulcio_uri(instance, verifier):
    claims = {"iss": "https://k8s.example", "sub": "system:serviceaccount:ci:publisher"}
    uri = "https://kubernetes.io/namespaces/ci/serviceaccounts/publisher"

    def identity(san):
        return {"san": san, ISSUER_V1: claims["iss"], ISSUER_V2: claims["iss"]}

    good = instance.attest(FILE, DIGEST, identity(uri))
    provenance = provenance_for([good], FILE, DIGEST, claims, verifier)
    assert provenance["attestation_bundles"][0]["publisher"] == {
        "kind": "OIDC",
        "issuer": "https://k8s.example",
        "identity": uri,
    }
    other = instance.attest(FILE, DIGEST, identity(uri.replace("publisher", "intruder")))
    with pytest.raises(InvalidDistribution, match="SANs do not match"):
        provenance_for([other], FILE, DIGEST, claims, verifier)


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a["verification_material"].update(certificate=base64.b64encode(b"junk").decode()),
        lambda a: a["verification_material"].update(transparency_entries=[{"logIndex": "x"}]),
        lambda a: a["envelope"].update(signature=base64.b64encode(b"\x00").decode()),
        lambda a: a["envelope"].update(statement=base64.b64encode(b"not json").decode()),
        lambda a: a["verification_material"]["transparency_entries"][0].update(
            canonicalizedBody=base64.b64encode(b"{}").decode()
        ),
    ],
)
def test_damaged_material_is_a_refusal_never_an_error(instance, verifier, damage):
    sent = _attest(instance)
    damage(sent)
    with pytest.raises(InvalidDistribution, match="Attestation 1 of .* was refused"):
        provenance_for([sent], FILE, DIGEST, CLAIMS, verifier)
