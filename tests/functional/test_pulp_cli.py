"""The generic pulp CLI commands know team indexes."""

import json
import sys
from pathlib import Path

from helpers import run


def pulp_cli(stack, *args):
    result = run(
        [Path(sys.executable).parent / "pulp", "--config", stack.state_dir / "cli.toml", *args]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_generic_list_commands_show_team_indexes(pulp, index):
    repos = pulp_cli(pulp, "repository", "list", "--limit", "1000")
    assert index["repository"]["pulp_href"] in [r["pulp_href"] for r in repos]
    dists = pulp_cli(pulp, "distribution", "list", "--limit", "1000")
    listed = {d["pulp_href"]: d for d in dists}
    assert index["distribution"]["pulp_href"] in listed
