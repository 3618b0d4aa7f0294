"""The search itself, in PostgreSQL: the files whose name or summary holds the query (pg_trgm
GIN indexes, `PackageFile.Meta.indexes`), kept to what the readable indexes serve now (their
latest version and the uploads not folded yet), one hit per index and project.

Two statements: the best-ranked (index, project) pairs, then the files of just those, from
which each hit shows its newest release (`terms.newest`)."""

from django.db import connection

from pulp_teamindex.app.access.readers import readable_repositories
from pulp_teamindex.app.blocklist import lookup as blocklist
from pulp_teamindex.app.endpoints import index_url
from pulp_teamindex.app.models import TeamIndexDistribution, TeamIndexRepository
from pulp_teamindex.app.search import terms

# The files each readable index serves now, that match; `%(...)s` are the statement's values.
_SERVED = """
WITH hits AS (
    SELECT pf.content_ptr_id AS pk, pf.normalized_name, pf.name, pf.version, pf.summary
    FROM teamindex_packagefile pf
    WHERE (pf.normalized_name LIKE %(name)s OR upper(pf.summary) LIKE upper(%(text)s))
      AND NOT pf.normalized_name = ANY(%(blocked)s)
      {only}
), served AS (
    SELECT rc.repository_id, h.* FROM hits h
    JOIN core_repositorycontent rc ON rc.content_id = h.pk
    WHERE rc.version_removed_id IS NULL AND rc.repository_id = ANY(%(indexes)s::uuid[])
    UNION ALL
    SELECT iu.repository_id, h.* FROM hits h
    JOIN teamindex_indexupload iu ON iu.content_id = h.pk
    WHERE iu.folded_number IS NULL AND iu.repository_id = ANY(%(indexes)s::uuid[])
)
"""
_BEST = (
    _SERVED
    + """
SELECT repository_id, normalized_name,
       min(CASE WHEN normalized_name = %(exact)s THEN 0
                WHEN normalized_name LIKE %(prefix)s THEN 1
                WHEN normalized_name LIKE %(name)s THEN 2 ELSE 3 END) AS rank
FROM served GROUP BY repository_id, normalized_name
ORDER BY rank, normalized_name, repository_id LIMIT %(limit)s
"""
)
_FILES = _SERVED + "SELECT repository_id, normalized_name, name, version, summary FROM served"  # noqa: S608 (constant text; every value is a parameter)


def search(user, text, limit=None):
    """{"query", "results"}: the hits for `text` among the indexes `user` may read, best
    first (the name itself, names starting with it, names holding it, summaries holding it;
    then by name). Raises terms.BadQuery."""
    query, limit = terms.parse(text, limit)
    indexes = [str(pk) for pk in readable_repositories(user).values_list("pk", flat=True)]
    if not indexes:
        return {"query": query.text, "results": []}
    values = {
        "name": query.like(query.name),
        "text": query.like(query.text),
        "exact": query.name,
        "prefix": query.like(query.name)[1:],
        "blocked": list(blocklist.blocked_projects()),
        "indexes": indexes,
        "limit": limit,
    }
    best = _rows(_BEST.format(only=""), values)
    if not best:
        return {"query": query.text, "results": []}
    names = sorted({row["normalized_name"] for row in best})
    found = _rows(
        _FILES.format(only="AND pf.normalized_name = ANY(%(names)s)"), {**values, "names": names}
    )
    return {"query": query.text, "results": _hits(best, found)}


def _rows(sql, values):
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _hits(best, found):
    """One hit per (index, project) of `best`, in its order, showing its newest release."""
    files = {}
    for row in found:
        files.setdefault((row["repository_id"], row["normalized_name"]), []).append(row)
    indexes = {row["repository_id"] for row in best}
    names = dict(TeamIndexRepository.objects.filter(pk__in=indexes).values_list("pk", "name"))
    urls = _index_urls(indexes)
    hits = []
    for row in best:
        newest = terms.newest(files[(row["repository_id"], row["normalized_name"])])
        url = urls.get(row["repository_id"])
        base = url.rsplit("simple/", 1)[0] if url else None
        hits.append(
            {
                "name": newest["name"],
                "normalized_name": row["normalized_name"],
                "version": newest["version"],
                "summary": newest["summary"],
                "index": names.get(row["repository_id"], ""),
                "index_url": url,
                "project_url": f"{url}{row['normalized_name']}/" if url else None,
                "json_url": f"{base}pypi/{row['normalized_name']}/json" if base else None,
            }
        )
    return hits


def _index_urls(repository_pks):
    """{repository pk: the simple API URL of a distribution serving its latest version}; an
    index served by none (only a pinned version, say) has no URL in a hit."""
    distributions = (
        TeamIndexDistribution.objects.filter(repository_id__in=repository_pks)
        .select_related("pulp_domain")
        .order_by("base_path")
    )
    urls = {}
    for distribution in distributions:
        urls.setdefault(distribution.repository_id, index_url(distribution))
    return urls
