"""Which version of which index a content app path serves: pulpcore's distribution match, then
the team index's own `resolve` (the latest version, `versions/<n>/`, a pinned version or
publication). Runs in a thread (database)."""

from django.conf import settings
from pulpcore.plugin.content import Handler

from pulp_teamindex.app.models import TeamIndexDistribution
from pulp_teamindex.app.simple.memory.routes import Route

RBAC_GUARD = "core.rbac"  # pulpcore's RBACContentGuard: who may read is a user's role


def lookup(path):
    """(distribution, its route or None, the rest of the path); raises pulpcore's
    PathNotResolved when no distribution serves `path`."""
    distribution = Handler._match_distribution(path)
    if not isinstance(distribution, TeamIndexDistribution):
        return distribution, None, ""
    rel_path = path.strip("/")[len(distribution.base_path) :].strip("/")
    return distribution, *_route_of(distribution, rel_path)


def _route_of(distribution, rel_path):
    """The route serving `rel_path` (the index now, or `versions/<n>/`), and the rest of it."""
    version, rest = distribution.resolve(rel_path)
    if version is None:
        return None, rest
    prefix = rel_path[: len(rel_path) - len(rest)].strip("/")
    repository = version.repository.cast()
    domain = distribution.pulp_domain if settings.DOMAIN_ENABLED else None
    key = (domain and domain.name, distribution.base_path, prefix)  # as the URL spells it
    route = Route(
        path="/".join(part for part in key if part),
        repository_pk=str(version.repository_id),
        version_pk=version.pk,
        version_number=version.number,
        pinned=bool(prefix) or distribution.repository_id is None,
        guarded=distribution.content_guard_id is not None,
        rbac_guard=_rbac_guard(distribution),
        upstream=not prefix and bool(repository.upstream),
        domain=domain,
    )
    return route, rest


def _rbac_guard(distribution):
    guard = distribution.content_guard
    return str(guard.pk) if guard is not None and guard.pulp_type == RBAC_GUARD else None
