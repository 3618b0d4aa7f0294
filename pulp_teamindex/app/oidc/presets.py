"""Provider presets: the claims a policy for GitHub Actions or GitLab CI must pin, and the issuer
it trusts.

A repository, project, user or organization name can be deleted and registered again by someone
else, who then gets identity tokens carrying the old name. The numeric ids the providers put in
their tokens are never reused: GitHub's `repository_id` and `repository_owner_id`, GitLab's
`project_id` and `namespace_id`. A preset requires the name (for people reading the policy) and
both ids, exactly. The issuer of each preset is TEAMINDEX_OIDC_PROVIDERS' (an admin's choice:
github.com or a GitHub Enterprise Server, gitlab.com or a self-managed GitLab).
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Preset:
    label: str
    name: str  # the claim holding the repository's or project's path
    ids: tuple  # the claims holding immutable numeric ids
    where: str  # where a person finds the ids


PRESETS = {
    "github": Preset(
        "GitHub Actions",
        "repository",
        ("repository_id", "repository_owner_id"),
        "`gh api repos/<owner>/<repo> --jq '[.id, .owner.id]'`",
    ),
    "gitlab": Preset(
        "GitLab CI",
        "project_path",
        ("project_id", "namespace_id"),
        "the project's Settings > General page (Project ID) and `GET /api/v4/projects/<id>` "
        "(namespace.id)",
    ),
}
CHOICES = ("", *PRESETS)


def issuer_of(provider):
    """The issuer the deployment trusts for `provider` ("" for none or an unknown one)."""
    return (settings.TEAMINDEX_OIDC_PROVIDERS or {}).get(provider, "") if provider else ""


def preset_errors(provider, claims):
    """What a policy with `provider`'s preset lacks, for a person to fix ([] without one)."""
    preset = PRESETS.get(provider)
    if preset is None or not isinstance(claims, dict):
        return []
    errors = []
    if not _exact(claims.get(preset.name)):
        errors.append(f"The {provider} preset requires `{preset.name}` exactly (no `*`).")
    bad = [c for c in preset.ids if not (_exact(claims.get(c)) and claims[c].isdecimal())]
    if bad:
        errors.append(
            f"The {provider} preset requires {' and '.join(f'`{c}`' for c in preset.ids)} as "
            f"numbers, which a re-registered name cannot take over (missing or not a number: "
            f"{', '.join(bad)}). Find them with {preset.where}."
        )
    return errors


def _exact(value):
    return isinstance(value, str) and bool(value) and not value.endswith("*")
