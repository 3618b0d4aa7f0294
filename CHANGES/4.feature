PEP 592 yanks (`yank`/`unyank` on a team index, versioned); simple pages are served from the
content app's memory, kept exact by PostgreSQL LISTEN/NOTIFY, with cached 404s for unknown
projects.
Every repository version is reachable for audit and reproducible installs at
`<base_url>versions/<n>/simple/`.
Concurrent first requests for the same index or page share one database lookup in the content
app, so a burst after a start or a route expiry no longer queues (slowest answer 172 -> 39 ms).
