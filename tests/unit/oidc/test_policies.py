from types import SimpleNamespace

import pytest

from pulp_teamindex.app.oidc.policies import matches, normalized_projects, spec_errors

GITHUB = "https://token.actions.githubusercontent.com"


def _policy(claims, audience="pulp-teamindex"):
    return SimpleNamespace(claims=claims, audience=audience)


def _token(**claims):
    return {"aud": "pulp-teamindex", "repository": "acme/app", "ref": "refs/tags/v1", **claims}


def test_exact_and_prefix_values():
    policy = _policy({"repository": "acme/app", "ref": "refs/tags/*"})
    assert matches(policy, _token())
    assert not matches(policy, _token(ref="refs/heads/main"))
    assert not matches(policy, _token(repository="acme/app-fork"))  # exact is exact
    assert not matches(policy, _token(repository="Acme/App"))


def test_missing_or_non_string_claims_never_match():
    assert not matches(_policy({"environment": "release", "repository": "acme/app"}), _token())
    assert not matches(_policy({"repository": "acme/app"}), _token(repository=["acme/app"]))
    assert not matches(_policy({"repository": "True"}), _token(repository=True))
    assert matches(_policy({"repository_id": "101"}), _token(repository_id=101))


def test_audience_must_be_among_the_tokens():
    assert matches(_policy({"repository": "acme/app"}), _token(aud=["x", "pulp-teamindex"]))
    assert not matches(_policy({"repository": "acme/app"}, audience="other"), _token())


@pytest.mark.parametrize(
    ("issuer", "claims", "problem"),
    [
        (GITHUB, {"ref": "refs/tags/*"}, "identity claim"),
        (GITHUB, {"repository": "acme/*"}, "identity claim"),
        ("http://issuer.example", {"repository": "acme/app"}, "https"),
        (GITHUB + "?x=1", {"repository": "acme/app"}, "https"),
        (GITHUB, {"repository": ""}, "non-empty strings"),
        (GITHUB, {"repository": 5}, "non-empty strings"),
        (GITHUB, ["repository"], "non-empty strings"),
        (GITHUB, {"repository": "acme/app", "aud": "x"}, "checked by the exchange"),
    ],
)
def test_policies_that_would_let_strangers_in_are_refused(issuer, claims, problem):
    assert any(problem in error for error in spec_errors(issuer, claims))


@pytest.mark.parametrize(
    "claims",
    [
        {"repository": "acme/app", "job_workflow_ref": "acme/app/.github/workflows/r.yml@*"},
        {"project_path": "acme/app", "ref_path": "refs/tags/*"},
        {"sub": "system:serviceaccount:ci:publisher"},
    ],
)
def test_good_policies_pass(claims):
    assert spec_errors(GITHUB, claims) == []


def test_projects_are_normalized_and_checked():
    assert normalized_projects(["Acme_App", "acme.app", "b"]) == (["acme-app", "b"], [])
    assert normalized_projects([]) == ([], [])
    for bad in (["not a name"], ["-x"], "acme", [5], [f"p{n}" for n in range(101)]):
        names, errors = normalized_projects(bad)
        assert names == [] and errors, bad
