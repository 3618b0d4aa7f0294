"""Trusted publishing: CI trades an OIDC identity token for a 15-minute upload token, with no
stored secret. A local issuer (oidc_issuer.py) plays GitHub Actions, GitLab CI and a Kubernetes
API server; uv and twine are the clients; every refusal is tried as an attacker would."""

import base64
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import SimpleNamespace

import pytest
import requests
from helpers import (
    OIDC_LIMITS,
    Client,
    legacy_post,
    make_index,
    minted_token,
    pulp_cli,
    sha256_of,
    trust_policy,
    twine_upload,
    uv,
)
from oidc_issuer import REQUEST_TOKEN, Issuer, github_claims, kubernetes_claims
from tcp_link import Link

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"
WHEEL2 = "synth_p00001-1.0.0-py3-none-any.whl"
STRANGER_PASSWORD = "Stranger-passw0rd-" + uuid.uuid4().hex  # noqa: S105
GITHUB_POLICY = {
    "repository": "acme/app",
    "job_workflow_ref": "acme/app/.github/workflows/release.yml@*",
    "ref": "refs/tags/*",
    "environment": "release",
}


# What the github preset requires: the name and the ids a re-registered name cannot take over.
GITHUB_PRESET = {
    "repository": "acme/app",
    "repository_id": "101",
    "repository_owner_id": "202",
    "job_workflow_ref": "acme/app/.github/workflows/release.yml@*",
    "environment": "release",
}


@pytest.fixture
def github(provider_issuers):
    """The issuer the stack's `github` preset names (started with the stack)."""
    return provider_issuers["github"]


@pytest.fixture
def gitlab(provider_issuers):
    """The issuer the stack's `gitlab` preset names (started with the stack)."""
    return provider_issuers["gitlab"]


@pytest.fixture(scope="module")
def kubernetes(test_ca):
    issuer = Issuer(test_ca, kubernetes_claims())
    yield issuer
    issuer.close()


@pytest.fixture(scope="module")
def https_api(pulp, test_ca):
    """The API behind a TLS front, as deployments serve it (uv asks over HTTPS only)."""
    link = Link(ssl_context=test_ca.server_context())
    link.connect(pulp.api_port)
    yield link.url
    link.close()


@pytest.fixture
def other_index(admin):
    yield (created := make_index(admin))
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


def _user(pulp, admin, prefix):
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    created = admin.post("users/", json={"username": name, "password": STRANGER_PASSWORD})
    assert created.status_code == 201, created.text
    return Client(pulp, name, STRANGER_PASSWORD)


def _own(admin, index, user):
    """Give `user` the owner role on the index's repository (what a team lead holds)."""
    added = admin.post(
        index["repository"]["pulp_href"] + "add_role/",
        json={"role": "teamindex.teamindexrepository_owner", "users": [user.username]},
    )
    assert added.status_code == 201, added.text


def _mint(pulp, identity_token):
    return requests.post(
        f"{pulp.api_url}/_/oidc/mint-token", json={"token": identity_token}, timeout=30
    )


def _refusal(response, status=422):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["message"] == "Token request failed"
    return body["errors"][0]["description"]


def _files(pulp, index, project="synth-p00000"):
    page = requests.get(
        f"{index['distribution']['base_url']}simple/{project}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    )
    return {f["filename"]: f["hashes"]["sha256"] for f in page.json()["files"]} if page.ok else {}


def _tokens_for(admin, index):
    listed = admin.get("teamindex/tokens/", params={"limit": 1000}).json()["results"]
    href = index["repository"]["pulp_href"]
    return [t for t in listed if href in t["repositories"]]


def test_audience_is_served_at_the_host_root(pulp):
    response = requests.get(f"{pulp.api_url}/_/oidc/audience", timeout=30)
    assert response.status_code == 200
    assert response.json() == {"audience": "pulp-teamindex"}


def test_uv_publishes_from_a_github_like_job_without_a_secret(
    pulp, admin, index, corpus, github, https_api, test_ca
):
    trust_policy(admin, index, github, GITHUB_POLICY)
    base_path = index["distribution"]["base_path"]
    result = uv(
        "publish",
        "--no-config",
        "--trusted-publishing",
        "always",
        "--publish-url",
        f"{https_api}/pulp/teamindex/{base_path}/legacy/",
        corpus / WHEEL,
        env={
            "SSL_CERT_FILE": str(test_ca.bundle),
            "GITHUB_ACTIONS": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": github.token_request_url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Failed to invalidate" not in result.stdout + result.stderr  # uv burned its token
    assert _files(pulp, index) == {WHEEL: sha256_of(corpus / WHEEL)}
    (token,) = _tokens_for(admin, index)
    assert token["revoked_at"] is not None  # dead as soon as the upload was done
    assert token["user"] == "publisher"
    assert token["claims"]["repository"] == "acme/app"
    assert token["claims"]["ref"] == "refs/tags/v1.0.0"
    assert token["claims"]["run_id"] == "4242"
    assert token["claims"]["policies"][0].startswith(index["name"] + "/")
    lifetime = datetime.fromisoformat(token["expires_at"]) - datetime.fromisoformat(
        token["pulp_created"]
    )
    assert 0 < lifetime.total_seconds() <= 15 * 60
    (upload,) = admin.get(index["repository"]["pulp_href"] + "uploads/").json()
    assert upload["filename"] == WHEEL
    assert upload["user"] == f"publisher (token {token['prefix']})"  # traced to the CI run


def test_twine_publishes_with_a_token_minted_for_a_gitlab_job(
    pulp, admin, index, other_index, corpus, gitlab
):
    trust_policy(admin, index, gitlab, {"project_path": "acme/app", "ref_path": "refs/heads/main"})
    token = minted_token(pulp, gitlab.token())
    ci = SimpleNamespace(username="__token__", password=token)
    refused = twine_upload(other_index, ci, corpus / WHEEL)
    assert refused.returncode != 0
    assert "403" in refused.stdout + refused.stderr  # scoped to the matched index only
    published = twine_upload(index, ci, corpus / WHEEL)
    assert published.returncode == 0, published.stdout + published.stderr
    assert _files(pulp, index) == {WHEEL: sha256_of(corpus / WHEEL)}
    assert token not in admin.get("teamindex/tokens/").text  # stored as a digest only


def test_kubernetes_service_account_with_its_own_audience(pulp, admin, index, kubernetes):
    sub = "system:serviceaccount:ci:publisher"
    trust_policy(admin, index, kubernetes, {"sub": sub}, audience="https://pulp.example.com")
    assert minted_token(pulp, kubernetes.token(audience="https://pulp.example.com"))
    other_account = kubernetes.token(
        audience="https://pulp.example.com", sub="system:serviceaccount:ci:builder"
    )
    assert "no trusted publisher matches" in _refusal(_mint(pulp, other_account))
    wrong_audience = _refusal(_mint(pulp, kubernetes.token(audience="pulp-teamindex")))
    assert "(aud)" in wrong_audience and "https://pulp.example.com" in wrong_audience


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong repository", "no trusted publisher matches its identity (repository='evil/app'"),
        ("wrong workflow", "no trusted publisher matches"),
        ("branch instead of tag", "no trusted publisher matches"),
        ("wrong audience", "not meant for this index (aud)"),
        ("expired", "has expired"),
        ("not yet valid", "not valid yet"),
        ("issued in the future", "issued in the future"),
        ("valid for a week", "valid for more than a day"),
        ("no jti", "lacks a required claim"),
        ("bad signature", "signature does not verify"),
        ("unknown key", "a key"),
        ("unknown issuer", "No trusted publisher of this index accepts issuer"),
        ("alg none", "signed with 'none'"),
        ("alg HS256", "signed with 'HS256'"),
        ("not a JWT", "not a JWT"),
    ],
)
def test_refusals(pulp, admin, index, github, test_ca, case, expected):
    trust_policy(admin, index, github, GITHUB_POLICY)
    before = len(_tokens_for(admin, index))
    response = _mint(pulp, _hostile_token(github, test_ca, case))
    assert expected in _refusal(response)
    assert len(_tokens_for(admin, index)) == before


def _hostile_token(github, test_ca, case):
    now = int(time.time())
    tag = "refs/tags/v1.0.0"
    if case == "wrong repository":
        return github.token(repository="evil/app")
    if case == "wrong workflow":
        return github.token(job_workflow_ref=f"acme/app/.github/workflows/test.yml@{tag}")
    if case == "branch instead of tag":
        return github.token(ref="refs/heads/main")
    if case == "wrong audience":
        return github.token(audience="pypi")
    if case == "expired":
        return github.token(iat=now - 900, nbf=now - 900, exp=now - 300)
    if case == "not yet valid":
        return github.token(nbf=now + 600)
    if case == "issued in the future":
        return github.token(iat=now + 600)
    if case == "valid for a week":
        return github.token(lifetime=7 * 24 * 3600)
    if case == "no jti":
        return github.token(jti=None)
    if case == "bad signature":  # the issuer's key id, someone else's key
        return github.token(key=Issuer(test_ca, {}).keys.popitem()[1])
    if case == "unknown key":
        return github.token(headers={"kid": "made-up"})
    if case == "unknown issuer":
        stranger = Issuer(test_ca, github_claims())
        return stranger.token()
    if case == "alg none":
        return _unsigned(github.token(), "none")
    if case == "alg HS256":
        return _unsigned(github.token(), "HS256")
    return "not-a-jwt"


def _unsigned(token, alg):
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    _, payload, _ = token.split(".")
    return f"{header.decode().rstrip('=')}.{payload}.c2lnbmF0dXJl"


def test_an_identity_token_is_exchanged_once(pulp, admin, index, github):
    trust_policy(admin, index, github, GITHUB_POLICY)
    identity = github.token()
    assert minted_token(pulp, identity)
    assert "exchanged already" in _refusal(_mint(pulp, identity))


def test_a_policy_of_another_index_publishes_only_there(
    pulp, admin, index, other_index, corpus, github
):
    trust_policy(admin, other_index, github, GITHUB_POLICY)
    ci = SimpleNamespace(username="__token__", password=minted_token(pulp, github.token()))
    refused = twine_upload(index, ci, corpus / WHEEL)
    assert refused.returncode != 0 and "403" in refused.stdout + refused.stderr
    assert _files(pulp, index) == {}


def test_key_rotation_is_followed_and_made_up_keys_do_not_flood_the_issuer(
    pulp, admin, index, github
):
    trust_policy(admin, index, github, GITHUB_POLICY)
    assert minted_token(pulp, github.token())
    github.rotate()
    time.sleep(1.2)  # the test stack refetches keys at most once a second per issuer
    assert minted_token(pulp, github.token())  # signed by the new key: fetched on demand
    time.sleep(1.2)
    fetches = github.jwks_fetches
    for _ in range(20):
        _mint(pulp, github.token(headers={"kid": f"made-up-{uuid.uuid4().hex[:6]}"}))
    assert github.jwks_fetches - fetches <= 2 * 2  # one per API process, at most twice


def test_an_issuer_that_is_down_fails_fast_with_retry_after(pulp, admin, index, test_ca):
    issuer = Issuer(test_ca, github_claims())
    trust_policy(admin, index, issuer, GITHUB_POLICY)
    token = issuer.token()
    issuer.close()
    started = time.monotonic()
    response = _mint(pulp, token)
    assert time.monotonic() - started < 10
    assert "could not be fetched" in _refusal(response, status=503)
    assert int(response.headers["Retry-After"]) >= 1


def test_malformed_requests_get_400_and_a_large_body_413(pulp):
    url = f"{pulp.api_url}/_/oidc/mint-token"
    assert _refusal(requests.post(url, data=b"{", timeout=30), 400)
    assert _refusal(_mint(pulp, 12345), 400)
    assert "at most 16384 characters" in _refusal(_mint(pulp, "x" * 20000), 400)
    too_large = requests.post(url, data=b" " * (64 * 1024 + 1), timeout=30)
    assert "over 65536 bytes" in _refusal(too_large, 413)
    get = requests.get(url, timeout=30)
    assert get.status_code == 405


DEADLINE = OIDC_LIMITS["TEAMINDEX_OIDC_FETCH_TIMEOUT"]  # 3 s on the test stack
PROMPT = 2.5  # an answer that waited for no slow fetch (an exchange waits 1 s at most)


def _timed(call, *args):
    started = time.monotonic()
    response = call(*args)
    return response, time.monotonic() - started


@pytest.mark.parametrize("document", ["discovery", "jwks"])
def test_an_issuer_that_dribbles_its_keys_holds_no_api_worker(
    pulp, admin, index, other_index, test_ca, gitlab, document
):
    """The attack of issue #23: anonymous exchanges with made-up key ids, for an issuer that
    sends its keys one byte at a time. Both API workers answer everyone within the deadline."""
    slow = Issuer(test_ca, github_claims(), path=f"/dribbling-{document}")
    slow.dribble = document  # 0.1 s a byte: the document would take a minute
    try:
        trust_policy(admin, index, slow, GITHUB_POLICY)
        trust_policy(admin, other_index, gitlab, {"project_path": "acme/app"})
        made_up = [slow.token(headers={"kid": f"made-up-{n}"}) for n in range(4)]
        with ThreadPoolExecutor(8) as pool:
            started = time.monotonic()
            attacks = [pool.submit(_timed, _mint, pulp, token) for token in made_up]
            time.sleep(0.3)  # the attack is under way
            listing = pool.submit(_timed, admin.get, "repositories/")
            exchange = pool.submit(_timed, _mint, pulp, gitlab.token())
            answers = [attack.result() for attack in attacks]
            wave = time.monotonic() - started
            listed, listed_in = listing.result()
            minted, minted_in = exchange.result()
    finally:
        slow.close()
    for response, elapsed in answers:
        assert elapsed < DEADLINE + 1.0
        if response.status_code == 503:
            assert response.json()["errors"][0]["code"] == "issuer-unavailable"
            assert int(response.headers["Retry-After"]) >= 1
        else:
            assert "a key" in _refusal(response)
    assert wave < DEADLINE + 1.0
    assert listed.status_code == 200 and listed_in < PROMPT
    assert minted.status_code == 200, minted.text
    assert minted_in < PROMPT
    fetches = slow.discovery_fetches if document == "discovery" else slow.jwks_fetches
    assert fetches <= 2  # one fetch per API process, however many exchanges wanted the keys
    print(
        f"\n{document}: attacks {[round(e, 2) for _, e in answers]} s "
        f"({[r.status_code for r, _ in answers]}), listing {listed_in:.2f} s, "
        f"healthy exchange {minted_in:.2f} s, {fetches} fetches"
    )


def test_tokens_refused_without_their_signature_reach_no_issuer(pulp, admin, index, test_ca):
    """Whatever needs no signature is checked first: expired, misdirected, foreign or replayed
    tokens with made-up key ids make no request to the issuer."""
    issuer = Issuer(test_ca, github_claims(), path="/counted")
    try:
        trust_policy(admin, index, issuer, GITHUB_POLICY)
        now, kid = int(time.time()), {"kid": "made-up"}
        refusals = {
            "has expired": issuer.token(iat=now - 900, nbf=now - 900, exp=now - 300, headers=kid),
            "(aud)": issuer.token(audience="pypi", headers=kid),
            "not valid yet": issuer.token(nbf=now + 600, headers=kid),
            "valid for more than a day": issuer.token(lifetime=7 * 24 * 3600, headers=kid),
            "no trusted publisher matches": issuer.token(repository="evil/app", headers=kid),
        }
        for expected, token in refusals.items():
            assert expected in _refusal(_mint(pulp, token))
        assert issuer.discovery_fetches == issuer.jwks_fetches == 0
        used = issuer.token()
        assert minted_token(pulp, used)
        fetched = issuer.discovery_fetches  # the issuer was reachable all along
        assert fetched >= 1
        jti = _claims_of(used)["jti"]
        replayed = _mint(pulp, issuer.token(jti=jti, headers=kid))
        assert "exchanged already" in _refusal(replayed)
        assert issuer.discovery_fetches == fetched
    finally:
        issuer.close()


def _claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_policies_are_validated(admin, index, github):
    def create(**fields):
        return admin.post(
            "teamindex/trusted-publishers/",
            json={"name": "p", "repository": index["repository"]["pulp_href"], **fields},
        )

    ref_only = create(issuer=github.url, claims={"ref": "refs/tags/*"})
    assert ref_only.status_code == 400 and "identity claim" in ref_only.text
    wildcard_identity = create(issuer=github.url, claims={"repository": "acme/*"})
    assert wildcard_identity.status_code == 400
    plain_http = create(issuer="http://127.0.0.1:1/", claims={"repository": "acme/app"})
    assert plain_http.status_code == 400 and "https" in plain_http.text
    not_strings = create(issuer=github.url, claims={"repository": 5})
    assert not_strings.status_code == 400


def test_strangers_and_the_publisher_neither_see_nor_set_policies(
    pulp, admin, index, publisher, github
):
    policy = trust_policy(admin, index, github, GITHUB_POLICY)
    stranger = _user(pulp, admin, "stranger")
    for user in (publisher, stranger):
        attempt = user.post(
            "teamindex/trusted-publishers/",
            json={
                "name": "mine",
                "provider": "github",
                "repository": index["repository"]["pulp_href"],
                "claims": GITHUB_PRESET,
            },
        )
        assert attempt.status_code == 403, attempt.text
        listed = user.get("teamindex/trusted-publishers/")
        assert listed.status_code == 200 and listed.json()["count"] == 0
        assert user.delete(policy["pulp_href"]).status_code == 404
    anonymous = requests.get(
        f"{pulp.api_url}/pulp/api/v3/teamindex/trusted-publishers/", timeout=30
    )
    assert anonymous.status_code == 401
    assert admin.get(policy["pulp_href"]).status_code == 200


def test_pulp_cli_manages_policies(pulp, index, gitlab):
    name, repository = f"cli-{uuid.uuid4().hex[:6]}", index["name"]
    made = pulp_cli(
        pulp,
        *("teamindex", "trusted-publisher", "create", "--repository", repository),
        *("--name", name, "--provider", "gitlab", "--claim", "project_path=acme/app"),
        *("--claim", "project_id=77", "--claim", "namespace_id=55"),
        *("--claim", "ref_path=refs/heads/*", "--project", "Synth_P00000"),
    )
    assert made["claims"] == {
        "project_path": "acme/app",
        "project_id": "77",
        "namespace_id": "55",
        "ref_path": "refs/heads/*",
    }
    assert made["issuer"] == gitlab.url and made["projects"] == ["synth-p00000"]
    listing = ("teamindex", "trusted-publisher", "list", "--repository", repository)
    assert [p["name"] for p in pulp_cli(pulp, *listing)] == [name]
    assert minted_token(pulp, gitlab.token())
    pulp_cli(
        pulp, "teamindex", "trusted-publisher", "delete", "--repository", repository, "--name", name
    )
    assert pulp_cli(pulp, *listing) == []
    assert "accepts issuer" in _refusal(_mint(pulp, gitlab.token()))


# ---- burning a minted token (issue #28) -------------------------------------------------------


def _burn(pulp, token, url=None):
    return requests.post(
        url or f"{pulp.api_url}/_/oidc/burn-token", json={"token": token}, timeout=30
    )


def test_a_burned_token_is_refused_at_once_and_burning_is_idempotent(
    pulp, admin, index, corpus, publisher, github
):
    trust_policy(admin, index, github, GITHUB_POLICY)
    token = minted_token(pulp, github.token())
    ci = SimpleNamespace(username="__token__", password=token)
    first = twine_upload(index, ci, corpus / WHEEL)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _burn(pulp, token).status_code == 202
    again = legacy_post(index, ("__token__", token), WHEEL2, (corpus / WHEEL2).read_bytes())
    assert again.status_code == 401, again.text  # the attacker who copied it is too late
    assert "revoked" in again.text
    assert _burn(pulp, token).status_code == 202  # idempotent
    assert set(_files(pulp, index)) == {WHEEL}
    # nothing is learned from a burn: a made-up string is answered the same way
    made_up = _burn(pulp, "pti_" + uuid.uuid4().hex)
    assert made_up.status_code == 202 and made_up.json() == _burn(pulp, token).json()


def test_a_burn_ends_only_tokens_minted_by_trusted_publishing(pulp, index, corpus, publisher):
    """The burn endpoint is anonymous: a publisher's own long-lived token is not its business."""
    issued = publisher.post(
        "teamindex/tokens/",
        json={"name": "ci", "repositories": [index["repository"]["pulp_href"]]},
    )
    assert issued.status_code == 201, issued.text
    secret = issued.json()["token"]
    assert _burn(pulp, secret).status_code == 202
    upload = legacy_post(index, ("__token__", secret), WHEEL, (corpus / WHEEL).read_bytes())
    assert upload.status_code == 200, upload.text


def test_malformed_burn_requests_get_400_and_a_large_body_413(pulp):
    url = f"{pulp.api_url}/_/oidc/burn-token"
    assert "minted token" in _refusal(requests.post(url, data=b"{", timeout=30), 400)
    assert _refusal(_burn(pulp, 12345), 400)
    assert "at most 1024 characters" in _refusal(_burn(pulp, "x" * 2000), 400)
    too_large = requests.post(url, data=b" " * (64 * 1024 + 1), timeout=30)
    assert "over 65536 bytes" in _refusal(too_large, 413)
    assert requests.get(url, timeout=30).status_code == 405


# ---- policies that name their projects --------------------------------------------------------


def test_a_project_restricted_policy_mints_tokens_for_its_projects_only(
    pulp, admin, index, corpus, github
):
    policy = trust_policy(admin, index, github, GITHUB_POLICY, projects=["Synth_P00001"])
    assert policy["projects"] == ["synth-p00001"]  # normalized
    token = minted_token(pulp, github.token())
    ci = SimpleNamespace(username="__token__", password=token)
    refused = twine_upload(index, ci, corpus / WHEEL)  # synth-p00000: another project
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "403" in output
    assert "'synth-p00001'" in output and "'synth-p00000'" in output  # says what it may do
    assert _files(pulp, index) == {}
    published = twine_upload(index, ci, corpus / WHEEL2)
    assert published.returncode == 0, published.stdout + published.stderr
    assert set(_files(pulp, index, "synth-p00001")) == {WHEEL2}
    assert _files(pulp, index) == {}


def test_a_policy_changed_after_minting_does_not_widen_the_token(
    pulp, admin, index, corpus, github
):
    policy = trust_policy(admin, index, github, GITHUB_POLICY, projects=["synth-p00001"])
    token = minted_token(pulp, github.token())
    assert admin.patch(policy["pulp_href"], json={"projects": []}).status_code == 200
    upload = legacy_post(index, ("__token__", token), WHEEL, (corpus / WHEEL).read_bytes())
    assert upload.status_code == 403 and "synth-p00000" in upload.text
    assert admin.delete(policy["pulp_href"]).status_code == 204
    upload = legacy_post(index, ("__token__", token), WHEEL, (corpus / WHEEL).read_bytes())
    assert upload.status_code == 403


def test_invalid_project_names_are_refused(admin, index, github):
    for projects in (["not a name"], ["-lead"], "acme-app", [""], [{"name": "x"}]):
        response = admin.post(
            "teamindex/trusted-publishers/",
            json={
                "name": "p",
                "repository": index["repository"]["pulp_href"],
                "issuer": github.url,
                "claims": GITHUB_POLICY,
                "projects": projects,
            },
        )
        assert response.status_code == 400, response.text
        assert "projects" in response.json()


# ---- provider presets -------------------------------------------------------------------------


def test_the_github_preset_pins_the_ids_a_re_registered_repository_lacks(
    pulp, admin, index, github
):
    made = admin.post(
        "teamindex/trusted-publishers/",
        json={
            "name": "release",
            "repository": index["repository"]["pulp_href"],
            "provider": "github",
            "claims": GITHUB_PRESET,
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["issuer"] == github.url  # the deployment's issuer for the preset
    assert minted_token(pulp, github.token())
    # the repository (or its owner) was deleted and someone registered the name again
    for claims in ({"repository_id": "999"}, {"repository_owner_id": "999"}):
        refusal = _refusal(_mint(pulp, github.token(**claims)))
        assert "no trusted publisher matches" in refusal


def test_the_gitlab_preset_pins_project_and_namespace_ids(pulp, admin, index, gitlab):
    claims = {"project_path": "acme/app", "project_id": "77", "namespace_id": "55"}
    trust_policy(admin, index, gitlab, claims, provider="gitlab")
    assert minted_token(pulp, gitlab.token())
    assert "no trusted publisher matches" in _refusal(_mint(pulp, gitlab.token(project_id="78")))


@pytest.mark.parametrize(
    ("provider", "claims", "problem"),
    [
        ("github", {"repository": "acme/app"}, "`repository_id` and `repository_owner_id`"),
        ("github", {**GITHUB_PRESET, "repository_id": "acme"}, "as numbers"),
        ("github", {**GITHUB_PRESET, "repository_owner_id": "2*"}, "as numbers"),
        ("gitlab", {"project_path": "acme/app", "project_id": "77"}, "namespace_id"),
        ("gitlab", {"project_path": "acme/*", "project_id": "7", "namespace_id": "5"}, "exactly"),
    ],
)
def test_presets_refuse_policies_without_the_ids(admin, index, provider, claims, problem):
    response = admin.post(
        "teamindex/trusted-publishers/",
        json={
            "name": "p",
            "provider": provider,
            "repository": index["repository"]["pulp_href"],
            "claims": claims,
        },
    )
    assert response.status_code == 400 and problem in response.text, response.text


# ---- index owners manage the policies of their own index --------------------------------------


def _ownertrust_policy(owner, index, **fields):
    return owner.post(
        "teamindex/trusted-publishers/",
        json={
            "name": f"own-{uuid.uuid4().hex[:6]}",
            "repository": index["repository"]["pulp_href"],
            "provider": "github",
            "claims": GITHUB_PRESET,
            **fields,
        },
    )


def test_an_index_owner_manages_the_policies_of_their_index(
    pulp, admin, index, other_index, corpus, github
):
    owner = _user(pulp, admin, "owner")
    _own(admin, index, owner)
    elsewhere = trust_policy(admin, other_index, github, GITHUB_POLICY)
    made = _ownertrust_policy(owner, index, projects=["synth-p00000"])
    assert made.status_code == 201, made.text
    policy = made.json()
    assert policy["issuer"] == github.url
    listed = owner.get("teamindex/trusted-publishers/").json()["results"]
    assert [p["pulp_href"] for p in listed] == [policy["pulp_href"]]  # not the other index's
    assert owner.get(elsewhere["pulp_href"]).status_code == 404
    changed = owner.patch(policy["pulp_href"], json={"claims": {**GITHUB_PRESET, "ref": "v*"}})
    assert changed.status_code == 200, changed.text
    token = minted_token(pulp, github.token(ref="v1.0.0"))
    published = twine_upload(
        index, SimpleNamespace(username="__token__", password=token), corpus / WHEEL
    )
    assert published.returncode == 0, published.stdout + published.stderr
    assert owner.delete(policy["pulp_href"]).status_code == 204


def test_an_index_owner_cannot_reach_beyond_their_index(
    pulp, admin, index, other_index, publisher, github, kubernetes
):
    """The attacks of an owner (or a stolen owner account) on the policies: another team's index,
    a prefix identity, an issuer of their choosing, a policy without the preset's ids, moving
    a policy to another index, changing or deleting another index's policy."""
    owner = _user(pulp, admin, "owner")
    _own(admin, index, owner)
    other = _ownertrust_policy(owner, other_index)
    assert other.status_code == 403, other.text
    refusals = {
        "exactly: no `*` in repository": {"claims": {**GITHUB_PRESET, "repository": "acme/*"}},
        "no `*` in sub": {"claims": {**GITHUB_PRESET, "sub": "repo:acme/*"}},
        "only an admin may name another issuer": {"issuer": kubernetes.url},
        "must use a provider preset": {
            "provider": "",
            "issuer": kubernetes.url,
            "claims": {"sub": "system:serviceaccount:ci:publisher"},
        },
        "repository_owner_id": {"claims": {"repository": "acme/app", "repository_id": "101"}},
    }
    for problem, fields in refusals.items():
        refused = _ownertrust_policy(owner, index, **fields)
        assert refused.status_code == 400 and problem in refused.text, (problem, refused.text)
    mine = _ownertrust_policy(owner, index).json()
    moved = owner.patch(
        mine["pulp_href"], json={"repository": other_index["repository"]["pulp_href"]}
    )
    assert moved.status_code == 403, moved.text
    widened = owner.patch(mine["pulp_href"], json={"provider": "", "issuer": kubernetes.url})
    assert widened.status_code == 400, widened.text
    theirs = trust_policy(admin, other_index, github, GITHUB_POLICY)
    assert owner.patch(theirs["pulp_href"], json={"projects": ["x"]}).status_code == 404
    assert owner.delete(theirs["pulp_href"]).status_code == 404
    # an admin's policy of the owner's own index without a preset stays as the admin wrote it
    admins = trust_policy(admin, index, kubernetes, {"sub": "system:serviceaccount:ci:publisher"})
    assert owner.patch(admins["pulp_href"], json={"name": "mine now"}).status_code == 400
    # the publisher account, even as an owner, may not plant a policy that outlives its password
    _own(admin, index, publisher)
    assert _ownertrust_policy(publisher, index).status_code == 403
    after = {p["pulp_href"] for p in admin.get("teamindex/trusted-publishers/").json()["results"]}
    assert {mine["pulp_href"], theirs["pulp_href"], admins["pulp_href"]} <= after
    assert admin.get(mine["pulp_href"]).json()["repository"] == index["repository"]["pulp_href"]


def test_an_anonymous_burn_costs_the_index_little(pulp):
    """Anyone may call burn-token: each call is one digest and one indexed UPDATE."""
    session = requests.Session()
    url = f"{pulp.api_url}/_/oidc/burn-token"
    elapsed = []
    for _ in range(100):
        started = time.monotonic()
        response = session.post(url, json={"token": "pti_" + uuid.uuid4().hex}, timeout=30)
        elapsed.append(time.monotonic() - started)
        assert response.status_code == 202
    elapsed.sort()
    print(f"\nburn-token: median {elapsed[50] * 1000:.1f} ms, p95 {elapsed[95] * 1000:.1f} ms")
    assert elapsed[50] < 0.1


def test_malformed_policy_requests_are_4xx_never_500(pulp, admin, index):
    owner = _user(pulp, admin, "owner")
    _own(admin, index, owner)
    url = "teamindex/trusted-publishers/"
    for body in ([], ["x"], {"repository": 5}, {"repository": ["x"]}, {"repository": "/nope/"}):
        for user in (owner, admin):
            answer = user.post(url, json=body)
            assert 400 <= answer.status_code < 500, (body, answer.status_code, answer.text)
