"""The simple repository API in pulpcore's content app: routes and middlewares only.

pulpcore imports this module before it adds its catch-all route, so `<base_path>/simple/...`,
`<base_path>/packages/...` and `<base_path>/integrity/...` reach `simple_api` first (and
`/pypi/<base_path>/...` reaches `pypi_alias`); paths under a distribution that is not a team
index go on to pulpcore's own handler unchanged. Everything else lives in `simple/`
(docs/architecture.md)."""

from aiohttp import web
from pulpcore.plugin.content import app

from pulp_teamindex.app.models import PACKAGES_DIR
from pulp_teamindex.app.nul_paths import refuse_nul_paths
from pulp_teamindex.app.simple.download_record import keep_record
from pulp_teamindex.app.simple.handlers import (
    deployment_page,
    follow_changes,
    pypi_alias,
    serve_from_memory,
    simple_api,
)
from pulp_teamindex.app.simple.paths import (
    ALIAS,
    DOMAIN,
    INTEGRITY_PATH,
    JSON_API,
    PREFIX,
    SIMPLE,
    WEB_PROJECT,
)
from pulp_teamindex.app.web import deployment_answers
from pulp_teamindex.app.web import deployment_page as deployment

JSON_DOC = JSON_API + r"/[^/]+/(?:[^/]+/)?json/?"  # PyPI's JSON API: <index>/pypi/<project>/json

app.add_routes(
    [
        # the deployment's page (`web/deployment_page`): a reserved base path, before the rest
        web.get(
            PREFIX + DOMAIN + deployment.PATH + "{slash:/?}",
            deployment_page,
            name=deployment_answers.ROUTE,
        ),
        web.get(PREFIX + DOMAIN + r"{path:.+/" + JSON_DOC + "}", simple_api),
        web.get(PREFIX + DOMAIN + r"{path:.+/" + SIMPLE + r"(?:/[^/]*)?/?}", simple_api),
        web.get(ALIAS + DOMAIN + "{path:.+}", pypi_alias),
        web.get(PREFIX + DOMAIN + r"{path:.+/" + PACKAGES_DIR + r"[^/]+}", simple_api),
        web.get(PREFIX + DOMAIN + r"{path:.+/" + INTEGRITY_PATH + "}", simple_api),
        # the web pages (`web/`): `<index>/`, `<index>/project/<name>/`; any other directory
        # path goes on to pulpcore's handler, as under `simple_api`
        web.get(PREFIX + DOMAIN + r"{path:.+/" + WEB_PROJECT + r"/[^/]+/?}", simple_api),
        web.get(PREFIX + DOMAIN + r"{path:.+/}", simple_api),
    ]
)
app.middlewares.insert(0, serve_from_memory)
app.middlewares.insert(0, refuse_nul_paths)
app.cleanup_ctx.append(follow_changes)
app.cleanup_ctx.append(keep_record)
