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
from helpers import OIDC_LIMITS, Client, make_index, pulp_cli, sha256_of, twine_upload, uv
from oidc_issuer import REQUEST_TOKEN, Issuer, github_claims, gitlab_claims, kubernetes_claims
from tcp_link import Link

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"
STRANGER_PASSWORD = "Stranger-passw0rd-" + uuid.uuid4().hex  # noqa: S105
GITHUB_POLICY = {
    "repository": "acme/app",
    "job_workflow_ref": "acme/app/.github/workflows/release.yml@*",
    "ref": "refs/tags/*",
    "environment": "release",
}


@pytest.fixture(scope="module")
def github(test_ca):
    issuer = Issuer(test_ca, github_claims(), path="/github")
    yield issuer
    issuer.close()


@pytest.fixture(scope="module")
def gitlab(test_ca):
    issuer = Issuer(test_ca, gitlab_claims(), path="/gitlab")
    yield issuer
    issuer.close()


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


def _policy(admin, index, issuer, claims, **extra):
    response = admin.post(
        "teamindex/trusted-publishers/",
        json={
            "name": f"ci-{uuid.uuid4().hex[:6]}",
            "repository": index["repository"]["pulp_href"],
            "issuer": issuer.url,
            "claims": claims,
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def _mint(pulp, identity_token):
    return requests.post(
        f"{pulp.api_url}/_/oidc/mint-token", json={"token": identity_token}, timeout=30
    )


def _minted(pulp, identity_token):
    response = _mint(pulp, identity_token)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def _refusal(response, status=422):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["message"] == "Token request failed"
    return body["errors"][0]["description"]


def _files(pulp, index):
    page = requests.get(
        f"{index['distribution']['base_url']}simple/synth-p00000/",
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
    _policy(admin, index, github, GITHUB_POLICY)
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
    assert _files(pulp, index) == {WHEEL: sha256_of(corpus / WHEEL)}
    (token,) = _tokens_for(admin, index)
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
    _policy(admin, index, gitlab, {"project_path": "acme/app", "ref_path": "refs/heads/main"})
    token = _minted(pulp, gitlab.token())
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
    _policy(admin, index, kubernetes, {"sub": sub}, audience="https://pulp.example.com")
    assert _minted(pulp, kubernetes.token(audience="https://pulp.example.com"))
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
    _policy(admin, index, github, GITHUB_POLICY)
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
    _policy(admin, index, github, GITHUB_POLICY)
    identity = github.token()
    assert _minted(pulp, identity)
    assert "exchanged already" in _refusal(_mint(pulp, identity))


def test_a_policy_of_another_index_publishes_only_there(
    pulp, admin, index, other_index, corpus, github
):
    _policy(admin, other_index, github, GITHUB_POLICY)
    ci = SimpleNamespace(username="__token__", password=_minted(pulp, github.token()))
    refused = twine_upload(index, ci, corpus / WHEEL)
    assert refused.returncode != 0 and "403" in refused.stdout + refused.stderr
    assert _files(pulp, index) == {}


def test_key_rotation_is_followed_and_made_up_keys_do_not_flood_the_issuer(
    pulp, admin, index, github
):
    _policy(admin, index, github, GITHUB_POLICY)
    assert _minted(pulp, github.token())
    github.rotate()
    time.sleep(1.2)  # the test stack refetches keys at most once a second per issuer
    assert _minted(pulp, github.token())  # signed by the new key: fetched on demand
    time.sleep(1.2)
    fetches = github.jwks_fetches
    for _ in range(20):
        _mint(pulp, github.token(headers={"kid": f"made-up-{uuid.uuid4().hex[:6]}"}))
    assert github.jwks_fetches - fetches <= 2 * 2  # one per API process, at most twice


def test_an_issuer_that_is_down_fails_fast_with_retry_after(pulp, admin, index, test_ca):
    issuer = Issuer(test_ca, github_claims())
    _policy(admin, index, issuer, GITHUB_POLICY)
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
        _policy(admin, index, slow, GITHUB_POLICY)
        _policy(admin, other_index, gitlab, {"project_path": "acme/app"})
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
        _policy(admin, index, issuer, GITHUB_POLICY)
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
        assert _minted(pulp, used)
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


def test_only_admins_see_and_set_policies(pulp, admin, index, publisher, github):
    policy = _policy(admin, index, github, GITHUB_POLICY)
    stranger_name = f"stranger-{uuid.uuid4().hex[:6]}"
    created = admin.post("users/", json={"username": stranger_name, "password": STRANGER_PASSWORD})
    assert created.status_code == 201, created.text
    for user in (publisher, Client(pulp, stranger_name, STRANGER_PASSWORD)):
        attempt = user.post(
            "teamindex/trusted-publishers/",
            json={
                "name": "mine",
                "repository": index["repository"]["pulp_href"],
                "issuer": github.url,
                "claims": {"repository": "evil/app"},
            },
        )
        assert attempt.status_code == 403, attempt.text
        assert user.get("teamindex/trusted-publishers/").status_code == 403
        assert user.delete(policy["pulp_href"]).status_code in (403, 404)
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
        *("--name", name, "--issuer", gitlab.url, "--claim", "project_path=acme/app"),
        *("--claim", "ref_path=refs/heads/*"),
    )
    assert made["claims"] == {"project_path": "acme/app", "ref_path": "refs/heads/*"}
    listing = ("teamindex", "trusted-publisher", "list", "--repository", repository)
    assert [p["name"] for p in pulp_cli(pulp, *listing)] == [name]
    assert _minted(pulp, gitlab.token())
    pulp_cli(
        pulp, "teamindex", "trusted-publisher", "delete", "--repository", repository, "--name", name
    )
    assert pulp_cli(pulp, *listing) == []
    assert "accepts issuer" in _refusal(_mint(pulp, gitlab.token()))
