"""PEP 740 attestations: a trusted publisher uploads with `twine upload --attestations`, the
index verifies them against its Sigstore trust root (a private instance, sigstore_root.py) and
the identity that minted the upload token, and serves the provenance (pages, Integrity API)
that pypi-attestations and sigstore verify on the consumer side. Every refusal is tried as an
attacker would, and leaves nothing stored."""

import json
import shutil
import uuid
from urllib.parse import urljoin

import pytest
import requests
from helpers import (
    guard_index,
    legacy_post,
    make_index,
    minted_token,
    sha256_of,
    trust_policy,
    twine_upload,
    uv,
)
from oidc_issuer import REQUEST_TOKEN
from pypi_attestations import Attestation
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier, policy
from sigstore_root import Sigstore, github_identity
from tcp_link import Link

PASSWORD = "Reader-pass-123"
WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"
WHEEL2 = "synth_p00001-1.0.0-py3-none-any.whl"
SDIST = "synth_p00000-1.0.0.tar.gz"
INTEGRITY_TYPE = "application/vnd.pypi.integrity.v1+json"
JSON_PAGE = {"Accept": "application/vnd.pypi.simple.v1+json"}
POLICY = {
    "repository": "acme/app",
    "job_workflow_ref": "acme/app/.github/workflows/release.yml@*",
    "ref": "refs/tags/*",
}


@pytest.fixture
def github(provider_issuers):
    return provider_issuers["github"]


def _mint(pulp, github, **claims):
    return ("__token__", minted_token(pulp, github.token(**claims)))


def _attest(sigstore, path, name=None, digest=None, **identity):
    return sigstore.attest(
        name or path.name, digest or sha256_of(path), github_identity(**identity)
    )


def _page(index, project="synth-p00000", headers=JSON_PAGE):
    return requests.get(
        f"{index['distribution']['index_url']}{project}/", headers=headers, timeout=30
    )


def _base(index):
    return index["distribution"]["index_url"].rsplit("simple/", 1)[0]


def _integrity(index, filename, project="synth-p00000", version="1.0.0", auth=None):
    url = f"{_base(index)}integrity/{project}/{version}/{filename}/provenance"
    return requests.get(url, timeout=30, auth=auth)


def _consumer_verifies(sigstore, github, provenance, path):
    """What an installer does with the Integrity API's answer: each attestation, turned into a
    Sigstore bundle, verifies against the trust root, for the file's digest and the expected
    CI identity."""
    trusted = Verifier(trusted_root=TrustedRoot.from_file(str(sigstore.trusted_root_path)))
    identity = policy.AllOf(
        [
            policy.OIDCIssuerV2(github.url),
            policy.OIDCSourceRepositoryURI("https://github.example/acme/app"),
        ]
    )
    (bundle,) = provenance["attestation_bundles"]
    assert bundle["publisher"] == {
        "kind": "GitHub",
        "repository": "acme/app",
        "workflow": "release.yml",
        "environment": "release",
    }
    for raw in bundle["attestations"]:
        attestation = Attestation.model_validate(raw)
        _type, payload = trusted.verify_dsse(attestation.to_bundle(), identity)
        (subject,) = json.loads(payload)["subject"]
        assert subject == {"name": path.name, "digest": {"sha256": sha256_of(path)}}


def test_twine_uploads_attestations_and_consumers_verify_the_provenance(
    pulp, admin, index, corpus, github, private_sigstore, tmp_path
):
    trust_policy(admin, index, github, POLICY)
    ci = _mint(pulp, github)
    wheel = shutil.copy(corpus / WHEEL, tmp_path / WHEEL)
    attestation = tmp_path / f"{WHEEL}.publish.attestation"
    attestation.write_text(json.dumps(_attest(private_sigstore, wheel, issuer=github.url)))
    user = type("CI", (), {"username": ci[0], "password": ci[1]})
    result = twine_upload(index, user, wheel, attestation, extra=["--attestations"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert legacy_post(index, ci, SDIST, (corpus / SDIST).read_bytes()).status_code == 200

    files = {f["filename"]: f for f in _page(index).json()["files"]}
    assert files[WHEEL]["provenance"] == (f"../../integrity/synth-p00000/1.0.0/{WHEEL}/provenance")
    assert "provenance" not in files[SDIST]  # uploaded without attestations
    html = _page(index, headers={"Accept": "text/html"}).text
    assert f'data-provenance="../../integrity/synth-p00000/1.0.0/{WHEEL}/provenance"' in html
    assert html.count("data-provenance") == 1

    page_url = f"{index['distribution']['index_url']}synth-p00000/"
    served = requests.get(urljoin(page_url, files[WHEEL]["provenance"]), timeout=30)
    assert served.status_code == 200, served.text
    assert served.content == _integrity(index, WHEEL).content  # the link is the API's URL
    assert served.headers["Content-Type"].startswith(INTEGRITY_TYPE)
    provenance = served.json()
    assert provenance["version"] == 1
    _consumer_verifies(private_sigstore, github, provenance, wheel)
    assert _integrity(index, SDIST).status_code == 404
    assert _integrity(index, WHEEL, version="9.9").status_code == 404  # not that release's file


@pytest.fixture(scope="module")
def attested(pulp, admin, provider_issuers):
    """An index trusting the github-like issuer's acme/app release workflow, and a token."""
    github = provider_issuers["github"]
    index = make_index(admin)
    trust_policy(admin, index, github, POLICY)
    yield index, _mint(pulp, github)
    admin.delete(index["repository"]["pulp_href"])


def _forged(case, sigstore, github, corpus, tmp_path):
    """The `attestations` field of an attack on an upload of WHEEL."""
    wheel = corpus / WHEEL
    good = dict(issuer=github.url)
    if case == "another file":
        return [_attest(sigstore, corpus / WHEEL2, **good)]
    if case == "replayed from another upload":  # this name, the bytes of another build
        return [_attest(sigstore, wheel, digest=sha256_of(corpus / WHEEL2), **good)]
    if case == "another repository":
        return [_attest(sigstore, wheel, repository="evil/app", **good)]
    if case == "another workflow":
        return [_attest(sigstore, wheel, workflow="nightly.yml", **good)]
    if case == "another issuer":
        return [_attest(sigstore, wheel, issuer="https://evil.example")]
    if case == "untrusted root":
        return [_attest(Sigstore(tmp_path / "rogue"), wheel, **good)]
    if case == "two of one type":
        return [_attest(sigstore, wheel, **good), _attest(sigstore, wheel, **good)]
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("another file", "attests the file 'synth_p00001-1.0.0-py3-none-any.whl'"),
        ("replayed from another upload", "its sha256 differs"),
        ("another repository", "Source Repository URI"),
        ("another workflow", "Build Config URI"),
        ("another issuer", "OIDCIssuerV2"),
        ("untrusted root", "Sigstore trust root"),
        ("two of one type", "a second attestation of type"),
    ],
)
def test_forged_attestations_are_refused_and_nothing_is_stored(
    pulp, admin, attested, corpus, github, private_sigstore, tmp_path, case, expected
):
    index, ci = attested
    field = json.dumps(_forged(case, private_sigstore, github, corpus, tmp_path))
    refused = legacy_post(index, ci, WHEEL, (corpus / WHEEL).read_bytes(), {"attestations": field})
    assert refused.status_code == 400, refused.text
    assert expected in refused.text
    assert "Nothing was stored" in refused.text
    _nothing_stored(admin, index)


def _nothing_stored(admin, index):
    """No file served, no upload journaled, no version made: the refusal left no trace but
    its record."""
    repo = index["repository"]["pulp_href"]
    assert _page(index).status_code == 404
    assert admin.get(repo + "uploads/").json() == []
    assert admin.get(repo).json()["latest_version_href"].endswith("/versions/0/")
    assert admin.get(repo + "refusals/").json()  # the refusal is kept for the audit


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("not json", "it is not JSON"),
        ('{"version": 1}', "non-empty JSON array"),
        ("[]", "non-empty JSON array"),
        ('["text"]', "attestation 1 is not a JSON object"),
        ('[{"version": 1}]', "not a PEP 740 attestation object"),
        (json.dumps([{"version": 1}] * 6), "at most 5"),
        (json.dumps([{"padding": "x" * 70_000}]), "larger than 65536 bytes"),
        (json.dumps([{"padding": "x" * 60_000}] * 6), "this index accepts at most 5"),
    ],
)
def test_malformed_and_huge_attestations_get_a_400(admin, attested, corpus, field, expected):
    index, ci = attested
    refused = legacy_post(index, ci, WHEEL, (corpus / WHEEL).read_bytes(), {"attestations": field})
    assert refused.status_code == 400, refused.text
    assert expected in refused.text
    _nothing_stored(admin, index)


def test_attestations_need_a_trusted_publishing_token(
    admin, publisher, index, corpus, github, private_sigstore
):
    field = json.dumps([_attest(private_sigstore, corpus / WHEEL, issuer=github.url)])
    auth = (publisher.username, publisher.password)
    refused = legacy_post(
        index, auth, WHEEL, (corpus / WHEEL).read_bytes(), {"attestations": field}
    )
    assert refused.status_code == 400, refused.text
    assert "minted by trusted publishing" in refused.text
    _nothing_stored(admin, index)


def test_an_index_that_requires_provenance_refuses_files_without_it(
    pulp, admin, index, corpus, github, private_sigstore
):
    repo = index["repository"]["pulp_href"]
    admin.ok(admin.patch(repo, json={"require_provenance": True}))
    assert admin.get(repo).json()["require_provenance"] is True
    trust_policy(admin, index, github, POLICY)
    ci = _mint(pulp, github)
    bare = legacy_post(index, ci, WHEEL, (corpus / WHEEL).read_bytes())
    assert bare.status_code == 400, bare.text
    assert "requires a PEP 740 attestation" in bare.text
    _nothing_stored(admin, index)
    field = json.dumps([_attest(private_sigstore, corpus / WHEEL, issuer=github.url)])
    sent = legacy_post(index, ci, WHEEL, (corpus / WHEEL).read_bytes(), {"attestations": field})
    assert sent.status_code == 200, sent.text
    assert _integrity(index, WHEEL).status_code == 200


def test_promote_and_rollback_carry_provenance_with_their_files(
    pulp, admin, publisher, index, corpus, github, private_sigstore
):
    trust_policy(admin, index, github, POLICY)
    ci = _mint(pulp, github)
    field = json.dumps([_attest(private_sigstore, corpus / WHEEL, issuer=github.url)])
    sent = legacy_post(index, ci, WHEEL, (corpus / WHEEL).read_bytes(), {"attestations": field})
    assert sent.status_code == 200, sent.text
    original = _integrity(index, WHEEL).json()
    prod = make_index(admin, require_provenance=True)
    try:
        repo = prod["repository"]["pulp_href"]
        source = {"source": index["repository"]["pulp_href"], "filenames": [WHEEL]}
        publisher.ok(publisher.post(repo + "promote/", json=source))
        assert _integrity(prod, WHEEL).json() == original
        assert "provenance" in _page(prod).json()["files"][0]
        publisher.ok(publisher.post(repo + "remove/", json={"filenames": [WHEEL]}))
        assert _integrity(prod, WHEEL).status_code == 404  # gone with its file
        versions = admin.get(repo + "versions/").json()["results"]
        removal = versions[0]["content_summary"]["removed"]
        assert removal["teamindex.provenance"]["count"] == 1
        publisher.ok(publisher.post(repo + "rollback/", json={"version": 1}))
        assert _integrity(prod, WHEEL).json() == original  # back with it
    finally:
        admin.delete(prod["repository"]["pulp_href"])


def test_a_private_index_provenance_is_read_only_by_its_readers(
    pulp, admin, index, corpus, github, private_sigstore
):
    trust_policy(admin, index, github, POLICY)
    ci = _mint(pulp, github)
    field = json.dumps([_attest(private_sigstore, corpus / WHEEL, issuer=github.url)])
    sent = legacy_post(index, ci, WHEEL, (corpus / WHEEL).read_bytes(), {"attestations": field})
    assert sent.status_code == 200, sent.text
    names = {role: f"{role}-{uuid.uuid4().hex[:6]}" for role in ("reader", "stranger")}
    for name in names.values():
        created = admin.post("users/", json={"username": name, "password": PASSWORD})
        assert created.status_code == 201, created.text
    guard_index(admin, index, [names["reader"]])
    other = make_index(admin)  # another team's public index, same deployment
    try:
        assert _integrity(index, WHEEL).status_code == 401  # anonymous: challenged
        stranger = _integrity(index, WHEEL, auth=(names["stranger"], PASSWORD))
        assert stranger.status_code == 404, stranger.text  # as for an index they cannot see
        assert "attestation_bundles" not in stranger.text
        reader = _integrity(index, WHEEL, auth=(names["reader"], PASSWORD))
        assert reader.status_code == 200 and reader.json()["attestation_bundles"]
        assert _integrity(other, WHEEL).status_code == 404  # not through another index
    finally:
        admin.delete(other["repository"]["pulp_href"])
        for name in names.values():
            found = admin.get("users/", params={"username": name}).json()["results"]
            for user in found:
                admin.delete(user["pulp_href"])


def test_owners_set_require_provenance_and_the_publisher_never_changes_it(admin, publisher, index):
    repo = index["repository"]["pulp_href"]
    name = f"owner-{uuid.uuid4().hex[:6]}"
    created = admin.post("users/", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    try:
        for username in (name, publisher.username):
            added = admin.post(
                repo + "add_role/",
                json={"role": "teamindex.teamindexrepository_owner", "users": [username]},
            )
            assert added.status_code == 201, added.text
        owner = type(admin)(admin.stack, name, PASSWORD)
        owner.ok(owner.patch(repo, json={"require_provenance": True}))
        assert admin.get(repo).json()["require_provenance"] is True
        refused = publisher.patch(repo, json={"require_provenance": False})
        assert refused.status_code == 403, refused.text
        assert "publisher account may not change require_provenance" in refused.text
        assert admin.get(repo).json()["require_provenance"] is True
        same = publisher.patch(repo, json={"require_provenance": True})  # no change: allowed
        assert same.status_code in (200, 202), same.text
        if same.status_code == 202:
            publisher.ok(same)
    finally:
        admin.delete(created.json()["pulp_href"])


def test_provenance_is_withheld_when_its_file_is(
    pulp, admin, publisher, index, corpus, github, private_sigstore
):
    """A block of the file, or a quarantine of its project, withholds the provenance as it
    withholds the bytes (one read path)."""
    trust_policy(admin, index, github, POLICY)
    ci = _mint(pulp, github)
    field = json.dumps([_attest(private_sigstore, corpus / WHEEL, issuer=github.url)])
    sent = legacy_post(index, ci, WHEEL, (corpus / WHEEL).read_bytes(), {"attestations": field})
    assert sent.status_code == 200, sent.text
    assert _integrity(index, WHEEL).status_code == 200
    block = admin.post(
        "teamindex/blocks/",
        json={"kind": "sha256", "value": sha256_of(corpus / WHEEL), "reason": "compromised"},
    )
    assert block.status_code == 201, block.text
    try:
        blocked = _integrity(index, WHEEL)
        assert blocked.status_code == 403 and "compromised" in blocked.text
        assert "attestation_bundles" not in blocked.text
    finally:
        assert admin.post(block.json()["pulp_href"] + "lift/").status_code == 201
    assert _integrity(index, WHEEL).status_code == 200
    quarantine = {"project": "synth-p00000", "status": "quarantined", "reason": "under review"}
    publisher.ok(
        publisher.post(index["repository"]["pulp_href"] + "set_project_status/", json=quarantine)
    )
    withheld = _integrity(index, WHEEL)
    assert withheld.status_code == 403 and "attestation_bundles" not in withheld.text


def test_a_file_without_provenance_cannot_be_promoted_where_it_is_required(
    admin, publisher, index, corpus
):
    sent = legacy_post(
        index, (publisher.username, publisher.password), WHEEL, (corpus / WHEEL).read_bytes()
    )
    assert sent.status_code == 200, sent.text
    prod = make_index(admin, require_provenance=True)
    try:
        repo = prod["repository"]["pulp_href"]
        source = {"source": index["repository"]["pulp_href"], "filenames": [WHEEL]}
        task = publisher.wait(publisher.post(repo + "promote/", json=source))
        assert task["state"] == "failed"
        assert "requires PEP 740 provenance" in task["error"]["description"]
        assert _page(prod).status_code == 404
    finally:
        admin.delete(prod["repository"]["pulp_href"])


@pytest.fixture(scope="module")
def https_api(pulp, test_ca):
    """The API behind a TLS front (uv speaks trusted publishing over HTTPS only)."""
    link = Link(ssl_context=test_ca.server_context())
    link.connect(pulp.api_port)
    yield link.url
    link.close()


def test_uv_publishes_the_attestations_given_with_a_file(
    pulp, admin, index, corpus, github, private_sigstore, https_api, test_ca, tmp_path
):
    trust_policy(admin, index, github, POLICY)
    wheel = shutil.copy(corpus / WHEEL, tmp_path / WHEEL)
    attestation = _attest(private_sigstore, wheel, issuer=github.url)
    beside = tmp_path / f"{WHEEL}.publish.attestation"
    beside.write_text(json.dumps(attestation))
    base_path = index["distribution"]["base_path"]
    result = uv(
        "publish",
        "--no-config",
        "--trusted-publishing",
        "always",
        "--publish-url",
        f"{https_api}/pulp/teamindex/{base_path}/legacy/",
        wheel,
        beside,  # as `uv publish dist/*` passes it: uv groups it with its file
        env={
            "SSL_CERT_FILE": str(test_ca.bundle),
            "GITHUB_ACTIONS": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": github.token_request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    served = _integrity(index, WHEEL)
    assert served.status_code == 200, served.text
    _consumer_verifies(private_sigstore, github, served.json(), wheel)
