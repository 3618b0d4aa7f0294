"""The deployment page's list of indexes and who may read which, from the database (each
function runs in a thread).

Who may read an index here is what the content app decides when its pages are asked for: no
content guard, or an RBAC content guard whose `permit` (pulpcore's, with the access policy the
deployment set for `download`) lets the reader in, and for a read token, only the indexes it
names (`simple/guard`). An index behind another kind of guard cannot be asked about without a
request to it: it is listed to nobody.
"""

from django.db import connection

from pulp_teamindex.app.blocklist import lookup as blocklist
from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.endpoints import index_url
from pulp_teamindex.app.models import PublishToken, TeamIndexDistribution, packages_in
from pulp_teamindex.app.simple.read_tokens import NOT_READ_TOKEN, usable
from pulp_teamindex.app.simple.resolve import RBAC_GUARD
from pulp_teamindex.app.upload.tokens import digest_of
from pulp_teamindex.app.web import deployment_page
from pulp_teamindex.app.web.deployment_page import OTHER_GUARD, PUBLIC, Directory

# The projects of each index's latest version and its uploads not folded yet, in one statement
# for all of them (with one per index, the first page after a change took 830 ms for 51 indexes
# at 20,000 files; with this, 70 ms: bench/web_pages.py).
_LATEST_COUNTS = """
SELECT repository_id, count(DISTINCT normalized_name) FROM (
    SELECT rc.repository_id, pf.normalized_name FROM core_repositorycontent rc
    JOIN teamindex_packagefile pf ON pf.content_ptr_id = rc.content_id
    WHERE rc.version_removed_id IS NULL AND rc.repository_id = ANY(%(indexes)s::uuid[])
    UNION ALL
    SELECT iu.repository_id, pf.normalized_name FROM teamindex_indexupload iu
    JOIN teamindex_packagefile pf ON pf.content_ptr_id = iu.content_id
    WHERE iu.folded_number IS NULL AND iu.repository_id = ANY(%(indexes)s::uuid[])
) files WHERE NOT normalized_name = ANY(%(blocked)s) GROUP BY repository_id
"""


def read(domain):
    """The Directory of the current domain (`domain`, pulpcore's Domain): every team index
    distribution that serves a version and is not hidden, by base path."""
    distributions = list(
        in_domain(TeamIndexDistribution.objects.exclude(hidden=True))
        .select_related("content_guard", "pulp_domain", "repository")
        .order_by("base_path")
    )
    blocked = list(blocklist.blocked_projects())
    latest = {str(d.repository_id) for d in distributions if d.repository_id is not None}
    counts = _latest_counts(sorted(latest), blocked)
    entries, guards = [], {}
    for distribution in distributions:
        if distribution.repository_id is not None:  # its latest version
            repository = distribution.repository
            projects = counts.get(str(repository.pk), 0)
        else:  # a publication or a version: rare, counted on its own
            version = distribution.serving_version()
            if version is None:
                continue
            repository = version.repository
            projects = (
                packages_in(version)
                .exclude(normalized_name__in=blocked)
                .values("normalized_name")
                .distinct()
                .count()
            )
        guard = _guard_key(distribution.content_guard)
        if guard not in (PUBLIC, OTHER_GUARD) and guard not in guards:
            guards[guard] = distribution.content_guard.cast()
        simple = index_url(distribution)
        entries.append(
            deployment_page.entry(
                repository.pk,
                repository.name,
                repository.description,
                distribution.base_path,
                guard,
                projects,
                simple[: -len("simple/")],
                simple,
            )
        )
    return Directory(domain, tuple(entries), guards)


def _latest_counts(repository_pks, blocked):
    """{repository pk: how many projects its latest version and pending uploads hold}."""
    if not repository_pks:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_LATEST_COUNTS, {"indexes": repository_pks, "blocked": blocked})
        return {str(pk): count for pk, count in cursor.fetchall()}


def _guard_key(guard):
    if guard is None:
        return PUBLIC
    return str(guard.pk) if guard.pulp_type == RBAC_GUARD else OTHER_GUARD


def permitted_guards(request, guards):
    """The pks among `guards` ({pk: RBAC content guard}) whose `permit` lets the request's
    (authenticated) user in."""
    allowed = set()
    for pk, guard in guards.items():
        try:
            guard.permit(request)
        except PermissionError:
            continue
        allowed.add(pk)
    return frozenset(allowed)


def token_scope(secret):
    """(token, the pks of the indexes it names) for a usable read token, else (None, why)."""
    token = PublishToken.objects.select_related("user").filter(digest=digest_of(secret)).first()
    if token is None:
        return None, NOT_READ_TOKEN
    if why := usable(token):
        return None, why
    return token, frozenset(str(pk) for pk in token.repositories.values_list("pk", flat=True))
