One call creates a team index (repository and distribution) and one deletes it; repositories list
their `index_url` and `upload_url`; maintainers can remove files or releases, roll back to an
earlier version and promote releases between indexes.
A pulp CLI plugin (`pip install pulp-teamindex[cli]`): `pulp teamindex index
create|list|show|destroy`, `package upload|list|yank|unyank|remove`, `version list|rollback`,
`promote`.
Bulk import: `POST <index>import/ {"path": ...}` loads every wheel and sdist under a directory in
ALLOWED_IMPORT_PATHS (a devpi export tree works) as one task and one version, validating each file
as an upload and reporting the refused ones in the task result.
Import can also copy every file a simple index lists (`{"url": ...}`: pulp_python, devpi, or any
PEP 503/691 index), downloading from the URLs it lists and checking the digests it lists.
`pulp teamindex repository` and `pulp teamindex distribution` offer the usual pulp CLI resource
commands (list, show, create, update, destroy, version, label, role, task); `distribution update
--version N` pins a version.
Bulk import stores files in batches of 500 (one transaction each): about ten times faster.
With pulpcore domains enabled, team indexes are served from the content app's memory as they
are without domains (a project page: 25,084 req/s, was 174).
