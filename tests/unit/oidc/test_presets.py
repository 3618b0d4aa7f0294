"""Provider presets pin the numeric ids a re-registered repository or owner name cannot take."""

import pytest
from django.conf import settings

from pulp_teamindex.app.oidc.policies import owner_errors
from pulp_teamindex.app.oidc.presets import issuer_of, preset_errors

if not settings.configured:
    settings.configure()

GITHUB = "https://token.actions.githubusercontent.com"
GOOD = {
    "github": {"repository": "acme/app", "repository_id": "101", "repository_owner_id": "202"},
    "gitlab": {"project_path": "acme/app", "project_id": "77", "namespace_id": "55"},
}


@pytest.fixture(autouse=True)
def providers(monkeypatch):
    providers = {"github": GITHUB, "gitlab": "https://gitlab.com"}
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_PROVIDERS", providers, raising=False)


@pytest.mark.parametrize("provider", ["github", "gitlab"])
def test_a_preset_needs_the_name_and_both_ids_exactly(provider):
    assert preset_errors(provider, GOOD[provider]) == []
    for claim in GOOD[provider]:
        missing = {k: v for k, v in GOOD[provider].items() if k != claim}
        assert preset_errors(provider, missing), claim
        assert preset_errors(provider, {**GOOD[provider], claim: "1*"}), claim
    name, *ids = GOOD[provider]
    for claim in ids:
        assert preset_errors(provider, {**GOOD[provider], claim: "acme"})
        assert preset_errors(provider, {**GOOD[provider], claim: "-1"})


def test_no_preset_asks_nothing():
    assert preset_errors("", {"sub": "x"}) == []


def test_the_issuer_of_a_preset_is_the_deployments():
    assert issuer_of("github") == GITHUB
    assert issuer_of("") == issuer_of("circleci") == ""


@pytest.mark.parametrize(
    ("provider", "issuer", "claims", "problem"),
    [
        ("", "https://k8s.example", {"sub": "system:serviceaccount:ci:x"}, "provider preset"),
        ("github", "https://evil.example", GOOD["github"], "another issuer"),
        ("github", GITHUB, {**GOOD["github"], "repository_owner": "acme*"}, "repository_owner"),
        ("gitlab", "https://gitlab.com", {**GOOD["gitlab"], "namespace_path": "*"}, "namespace"),
        ("github", GITHUB, {**GOOD["github"], "sub": "repo:acme/*"}, "no `*` in sub"),
    ],
)
def test_what_an_owner_may_not_write(provider, issuer, claims, problem):
    assert any(problem in error for error in owner_errors(provider, issuer, claims))


def test_an_owner_may_write_a_preset_with_its_issuer_and_a_ref_prefix():
    claims = {**GOOD["github"], "ref": "refs/tags/*", "job_workflow_ref": "acme/app/x.yml@*"}
    assert owner_errors("github", GITHUB, claims) == []
