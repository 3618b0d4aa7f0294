"""Search by name and summary across every index a caller may read (issue #27).

`terms` holds the rules (pure: what a query is, how hits rank, which release a hit shows);
`query` reads PostgreSQL (pg_trgm indexes on names and summaries); the REST endpoint is
`viewsets/search.py`. Scoping is `access.readers.readable_repositories`, the rule every REST
listing of files follows, so a search never names a project of an index the caller may not
read.
"""
