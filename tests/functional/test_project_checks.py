"""The plugin keeps pulpcore's conventions: committed migrations, a valid OpenAPI schema."""

import json
import subprocess
import sys
from pathlib import Path

MANAGE = Path(sys.executable).parent / "pulpcore-manager"


def _manage(pulp, *args):
    return subprocess.run(
        [str(MANAGE), *args], env=pulp.env(), capture_output=True, text=True, timeout=300
    )


def test_migrations_are_committed(pulp):
    result = _manage(pulp, "makemigrations", "--check", "--dry-run", "teamindex")
    assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_schema_is_generated(pulp):
    result = _manage(pulp, "openapi", "--format", "openapi-json")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for expected in (
        "repositories_teamindex_teamindex_create",
        "distributions_teamindex_teamindex_list",
        "content_teamindex_packages_create",
        "repositories_teamindex_teamindex_modify",
    ):
        assert expected in operations
    dist = schema["components"]["schemas"]["teamindex.TeamIndexDistributionResponse"]
    assert {"index_url", "upload_url"} <= set(dist["properties"])
