"""Which projects a token minted by trusted publishing may publish to each of its indexes.

A policy may name projects: a workflow trusted to release `acme-app` must not be able to
upload `acme-auth` (or any new name) into the same index. The scope is fixed when the token is
minted, from the policies that matched, so that changing or deleting a policy later never
widens a token already handed out; an index missing from the scope takes nothing (fail closed).
"""

ANY = None  # a policy without projects: any project of its index


def token_projects(matched):
    """{repository pk (str): sorted project names, or ANY} for the policies `matched`; two
    policies of one index add up, and one without projects opens the whole index."""
    scope = {}
    for policy in matched:
        key = str(policy.repository_id)
        if key in scope and scope[key] is ANY:
            continue
        if not policy.projects:
            scope[key] = ANY
        else:
            scope[key] = sorted({*scope.get(key, []), *policy.projects})
    return scope


def project_refusal(token, repository, project):
    """Why `token` may not publish `project` (normalized) to `repository`, or None. Tokens
    that were not minted by trusted publishing (no scope) publish any project."""
    scope = getattr(token, "projects", None)
    if scope is None:
        return None
    allowed = scope.get(str(repository.pk), [])
    if allowed is ANY or project in allowed:
        return None
    named = ", ".join(map(repr, allowed)) or "no project"
    return (
        f"API token {token.prefix}… was minted by trusted publishing for {named} in index "
        f"{repository.name!r}, not for {project!r}. An owner or admin of the index can add "
        f"{project!r} to the projects of the trusted publisher policy."
    )
