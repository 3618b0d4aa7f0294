"""Trusted publisher policies: which identity tokens may publish to which index.

A policy requires claims by value: exact, or a prefix when the value ends in `*` (a `ref` of
`refs/tags/*`, a GitHub `job_workflow_ref` of `org/repo/.github/workflows/release.yml@*`). It
must pin who the identity is by an exact identity claim: any GitHub repository, GitLab project
or Kubernetes pod can obtain a token from its issuer, so a policy on `ref` alone would let all of
them publish.
"""

from urllib.parse import urlsplit

from django.conf import settings

IDENTITY_CLAIMS = ("sub", "repository", "repository_id", "project_path", "project_id")
WILDCARD = "*"


def spec_errors(issuer, claims):
    """What is wrong with a policy for `issuer` requiring `claims`, for a person to fix."""
    errors = []
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        errors.append("The issuer must be an https URL, as the tokens' `iss` claim names it.")
    if not isinstance(claims, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in claims.items()
    ):
        return [*errors, "Claims must map claim names to non-empty strings."]
    pinned = [k for k in IDENTITY_CLAIMS if k in claims and not claims[k].endswith(WILDCARD)]
    if not pinned:
        errors.append(
            "Require at least one identity claim exactly (no `*`): "
            f"{', '.join(IDENTITY_CLAIMS)}. GitHub: repository; GitLab: project_path; "
            "Kubernetes: sub (system:serviceaccount:<namespace>:<name>)."
        )
    if any(k in ("iss", "aud", "exp", "iat", "nbf", "jti") for k in claims):
        errors.append("iss, aud, exp, iat, nbf and jti are checked by the exchange itself.")
    return errors


def audience_of(policy):
    return policy.audience or settings.TEAMINDEX_OIDC_AUDIENCE


def matches(policy, claims):
    """Whether verified `claims` satisfy `policy` (its issuer and audience checked already)."""
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences or []
    if audience_of(policy) not in audiences:
        return False
    return all(_value_matches(v, claims.get(k)) for k, v in policy.claims.items())


def _value_matches(required, actual):
    if isinstance(actual, bool) or not isinstance(actual, str | int):
        return False
    actual = str(actual)
    if required.endswith(WILDCARD):
        return actual.startswith(required[: -len(WILDCARD)])
    return actual == required
