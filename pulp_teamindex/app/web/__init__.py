"""An index's web pages, served by the content app (issue #27): the index's projects with a
search form at `<index>/`, and a project's page at `<index>/project/<name>/` (its releases and
files, marks with their reasons, its README, and copy-paste configuration for pip, uv, poetry,
pipenv and twine).

Server-rendered HTML with one inline style sheet, no script. The pages follow the simple API's
rules because they are built from the same answers: a project's page from the PyPI JSON
document (`simple/project_json`), the list from the index's files with the block list and
statuses applied; who may read them is decided by `simple/guard` (a private index answers
exactly as a missing one), and warm pages come from the content app's memory.

`markup`, `readme`, `snippets`, `index_page` and `project_page` are pure; `listing` reads the
database; `answers` is the request side.
"""
