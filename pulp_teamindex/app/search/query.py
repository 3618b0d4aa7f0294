"""The search itself, in PostgreSQL, in two statements.

1. The terms (`SearchTerm`: a project name and one summary its files have) whose name or
   summary holds the query, through pg_trgm GIN indexes: thousands of rows at most, however
   many files match. They are taken best first (`terms.rank`, then name), and each is kept only
   if a readable index serves one of its files now (its latest version, or an upload not
   folded yet) that matches: the name, or for a summary-only match a file with that summary.
   PostgreSQL stops at `limit` (index, project) pairs, so it looks at the files of those
   projects only.
2. The files of just those pairs, from which each hit shows its newest release
   (`terms.newest`).
"""

from django.db import connection

from pulp_teamindex.app.access.readers import readable_repositories
from pulp_teamindex.app.blocklist import lookup as blocklist
from pulp_teamindex.app.endpoints import index_url
from pulp_teamindex.app.models import TeamIndexDistribution, TeamIndexRepository
from pulp_teamindex.app.search import terms

# The files of the term `t`'s project that a readable index serves now (and that have the
# term's summary, when only the summary matched).
_SERVED = """
    SELECT rc.repository_id FROM teamindex_packagefile pf
    JOIN core_repositorycontent rc ON rc.content_id = pf.content_ptr_id
    WHERE pf.normalized_name = t.normalized_name AND (t.rank < 3 OR pf.summary = ANY(t.summaries))
      AND rc.version_removed_id IS NULL AND rc.repository_id = ANY(%(indexes)s::uuid[])
    UNION
    SELECT iu.repository_id FROM teamindex_packagefile pf
    JOIN teamindex_indexupload iu ON iu.content_id = pf.content_ptr_id
    WHERE pf.normalized_name = t.normalized_name AND (t.rank < 3 OR pf.summary = ANY(t.summaries))
      AND iu.folded_number IS NULL AND iu.repository_id = ANY(%(indexes)s::uuid[])
"""
_BEST = f"""
WITH matched AS (
    SELECT normalized_name, summary,
           CASE WHEN normalized_name = %(exact)s THEN 0
                WHEN normalized_name LIKE %(prefix)s THEN 1
                WHEN normalized_name LIKE %(name)s THEN 2 ELSE 3 END AS rank
    FROM teamindex_searchterm
    WHERE (normalized_name LIKE %(name)s OR upper(summary) LIKE upper(%(text)s))
      AND NOT normalized_name = ANY(%(blocked)s)
), ranked AS (
    SELECT normalized_name, min(rank) AS rank, array_agg(summary) AS summaries
    FROM matched GROUP BY normalized_name ORDER BY min(rank), normalized_name
)
SELECT t.normalized_name, t.rank, served.repository_id
FROM ranked t CROSS JOIN LATERAL ({_SERVED}) served
ORDER BY t.rank, t.normalized_name  -- the order `ranked` has: the scan stops at the limit
LIMIT %(limit)s
"""  # noqa: S608 (constant text: every value is a parameter)
_FILES = """
SELECT rc.repository_id, pf.normalized_name, pf.name, pf.version, pf.summary
FROM teamindex_packagefile pf JOIN core_repositorycontent rc ON rc.content_id = pf.content_ptr_id
WHERE pf.normalized_name = ANY(%(names)s) AND rc.version_removed_id IS NULL
  AND rc.repository_id = ANY(%(indexes)s::uuid[])
UNION ALL
SELECT iu.repository_id, pf.normalized_name, pf.name, pf.version, pf.summary
FROM teamindex_packagefile pf JOIN teamindex_indexupload iu ON iu.content_id = pf.content_ptr_id
WHERE pf.normalized_name = ANY(%(names)s) AND iu.folded_number IS NULL
  AND iu.repository_id = ANY(%(indexes)s::uuid[])
"""


def search(user, text, limit=None):
    """{"query", "results"}: the hits for `text` among the indexes `user` may read, best
    first (the name itself, names starting with it, names holding it, summaries holding it;
    then by name). Raises terms.BadQuery."""
    readable = readable_repositories(user).values_list("pk", flat=True)
    return search_in(readable, text, limit)


def search_in(repository_pks, text, limit=None):
    """`search` among the indexes `repository_pks` alone: for a caller who decided already
    which indexes the asker may read (the deployment page, by the content guards' rule)."""
    query, limit = terms.parse(text, limit)
    indexes = [str(pk) for pk in repository_pks]
    if not indexes:
        return {"query": query.text, "results": []}
    best = _rows(
        _BEST,
        {
            "name": query.like(query.name),
            "text": query.like(query.text),
            "exact": query.name,
            "prefix": query.like(query.name)[1:],
            "blocked": list(blocklist.blocked_projects()),
            "indexes": indexes,
            "limit": limit,
        },
    )
    if not best:
        return {"query": query.text, "results": []}
    names = sorted({row["normalized_name"] for row in best})
    found = _rows(_FILES, {"names": names, "indexes": indexes})
    best.sort(key=lambda row: (row["rank"], row["normalized_name"], str(row["repository_id"])))
    return {"query": query.text, "results": _hits(best, found, query)}


def _rows(sql, values):
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _hits(best, found, query):
    """One hit per (index, project) of `best`, in its order, showing its newest release (of
    the files whose summary matched, for a summary-only match)."""
    files = {}
    for row in found:
        files.setdefault((row["repository_id"], row["normalized_name"]), []).append(row)
    indexes = {row["repository_id"] for row in best}
    names = dict(TeamIndexRepository.objects.filter(pk__in=indexes).values_list("pk", "name"))
    urls = _index_urls(indexes)
    hits = []
    for row in best:
        candidates = files.get((row["repository_id"], row["normalized_name"]), [])
        if row["rank"] == terms.SUMMARY:
            candidates = [f for f in candidates if query.text.upper() in f["summary"].upper()]
        if not candidates:  # changed between the two statements
            continue
        newest = terms.newest(candidates)
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
