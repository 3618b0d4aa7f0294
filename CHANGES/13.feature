Uploads cost the same at any index size: a twine upload is recorded in the index's journal,
served at once by every content app (the 200 still means "installable now"), and folded with
the other uploads of its burst into one repository version, so an index's history grows
linearly with its uploads. New: `POST <repository>/fold/` (`pulp teamindex repository fold`)
folds now; `GET <repository>/uploads/` (`pulp teamindex repository uploads`) lists who uploaded
each file, when, and the version that holds it. Settings `TEAMINDEX_FOLD_BATCH`,
`TEAMINDEX_FOLD_RATIO`, `TEAMINDEX_FOLD_DELAY`, `TEAMINDEX_FOLD_MAX_DELAY`.
