"""Trusted publisher policies: which identity tokens may publish to which index.

A policy requires claims by value: exact, or a prefix when the value ends in `*` (a `ref` of
`refs/tags/*`, a GitHub `job_workflow_ref` of `org/repo/.github/workflows/release.yml@*`). It
must pin who the identity is by an exact identity claim: any GitHub repository, GitLab project
or Kubernetes pod can obtain a token from its issuer, so a policy on `ref` alone would let all of
them publish. A policy may name the projects its tokens publish (`oidc.scope`); a provider preset
(`oidc.presets`) pins the ids a re-registered name cannot take over. Admins write any policy; an
index owner only one with a preset, its issuer, and no prefix in its identity (`owner_errors`).
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from packaging.utils import canonicalize_name

from pulp_teamindex.app.oidc.presets import PRESETS, issuer_of

IDENTITY_CLAIMS = ("sub", "repository", "repository_id", "project_path", "project_id")
# Claims naming who the identity is or belongs to: an index owner may not use `*` in any.
OWNER_PINNED = (
    *IDENTITY_CLAIMS,
    "repository_owner",
    "repository_owner_id",
    "namespace_path",
    "namespace_id",
)
WILDCARD = "*"
MAX_PROJECTS = 100
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


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


def owner_errors(provider, issuer, claims):
    """What an index owner (not an admin) may not write into a policy of their index. The
    issuers the index contacts are the deployment's (TEAMINDEX_OIDC_PROVIDERS): an owner picks a
    preset and gets its issuer. No identity claim of theirs may be a prefix: `acme/*` would let
    every repository of an organization (or a look-alike name) publish."""
    errors = []
    if provider not in PRESETS:
        errors.append(
            f"An index owner's policy must use a provider preset ({', '.join(PRESETS)}); an "
            "admin can write one for another issuer."
        )
    elif issuer != issuer_of(provider):
        errors.append(
            f"The {provider} preset trusts the issuer {issuer_of(provider)!r}; only an admin "
            "may name another issuer."
        )
    if isinstance(claims, dict):
        wild = [k for k in OWNER_PINNED if str(claims.get(k, "")).endswith(WILDCARD)]
        if wild:
            errors.append(
                f"An index owner's policy names its identity exactly: no `*` in {', '.join(wild)}."
            )
    return errors


def normalized_projects(projects):
    """(the PEP 503 names of `projects`, sorted and unique; the errors, for a person to fix)."""
    if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
        return [], ["Projects must be a list of project names."]
    bad = [p for p in projects if not _PROJECT_NAME.match(p)]
    if bad:
        return [], [f"Not a valid project name: {', '.join(map(repr, bad))}."]
    names = sorted({canonicalize_name(p) for p in projects})
    if len(names) > MAX_PROJECTS:
        return [], [f"A policy names at most {MAX_PROJECTS} projects; it has {len(names)}."]
    return names, []


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
