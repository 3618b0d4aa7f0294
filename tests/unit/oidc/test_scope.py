"""The project scope of a minted token: fixed at minting from the matched policies, fail closed."""

from types import SimpleNamespace

from pulp_teamindex.app.oidc.scope import ANY, project_refusal, token_projects


def _policy(repository_id, *projects):
    return SimpleNamespace(repository_id=repository_id, projects=list(projects))


def _token(projects):
    return SimpleNamespace(projects=projects, prefix="pti_abcdefgh")


INDEX = SimpleNamespace(pk=7, name="team-a")


def test_policies_of_one_index_add_up_and_one_without_projects_opens_it():
    assert token_projects([_policy(7, "a"), _policy(7, "b", "a")]) == {"7": ["a", "b"]}
    assert token_projects([_policy(7, "a"), _policy(7), _policy(7, "b")]) == {"7": ANY}
    assert token_projects([_policy(7), _policy(7, "b")]) == {"7": ANY}
    assert token_projects([_policy(7, "a"), _policy(8)]) == {"7": ["a"], "8": ANY}


def test_a_token_publishes_only_its_projects():
    token = _token({"7": ["synth-a"]})
    assert project_refusal(token, INDEX, "synth-a") is None
    refusal = project_refusal(token, INDEX, "synth-b")
    assert "'synth-a'" in refusal and "'synth-b'" in refusal and "'team-a'" in refusal
    assert "pti_abcdefgh" in refusal


def test_an_index_missing_from_the_scope_takes_nothing():
    assert project_refusal(_token({"8": ANY}), INDEX, "synth-a") is not None
    assert "no project" in project_refusal(_token({}), INDEX, "synth-a")


def test_tokens_without_a_scope_publish_anything():
    assert project_refusal(_token(None), INDEX, "synth-a") is None
    assert project_refusal(_token({"7": ANY}), INDEX, "synth-a") is None
    assert project_refusal(None, INDEX, "synth-a") is None  # a password, not a token
