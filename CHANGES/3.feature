Publish tokens for twine (`-u __token__`): scoped to indexes, expiring, revocable, stored as
digests; uploads refuse invalid Requires-Python and project names and files over
`TEAMINDEX_MAX_UPLOAD_SIZE` (413 before the body is read); password checks are memoized safely so
a twine run pays Django's slow hash once.
