One call creates a team index (repository and distribution) and one deletes it; repositories list
their `index_url` and `upload_url`; maintainers can remove files or releases, roll back to an
earlier version and promote releases between indexes.
A pulp CLI plugin (`pip install pulp-teamindex[cli]`): `pulp teamindex index
create|list|show|destroy`, `package upload|list|yank|unyank|remove`, `version list|rollback`,
`promote`.
