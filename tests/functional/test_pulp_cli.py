"""The pulp CLI: the generic commands know team indexes, and `pulp teamindex` manages them."""

import json
import sys
import uuid
from pathlib import Path

import requests
from helpers import run

WHEELS = ["synth_p00000-1.0.0-py3-none-any.whl", "synth_p00000-1.1.0-py3-none-any.whl"]


def pulp_cli(stack, *args, user=None):
    account = [f"--username={user.username}", f"--password={user.password}"] if user else []
    result = run(
        [
            Path(sys.executable).parent / "pulp",
            "--config",
            stack.state_dir / "cli.toml",
            *account,
            *args,
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_generic_list_commands_show_team_indexes(pulp, index):
    repos = pulp_cli(pulp, "repository", "list", "--limit", "1000")
    assert index["repository"]["pulp_href"] in [r["pulp_href"] for r in repos]
    dists = pulp_cli(pulp, "distribution", "list", "--limit", "1000")
    assert index["distribution"]["pulp_href"] in [d["pulp_href"] for d in dists]


def test_teamindex_commands_manage_an_index_end_to_end(pulp, corpus, publisher, admin):
    name = f"cli-{uuid.uuid4().hex[:6]}"
    staging = f"{name}-staging"
    created = pulp_cli(pulp, "teamindex", "index", "create", "--name", name, "--label", "team=a")
    assert created["index_url"].endswith(f"/{name}/simple/")
    pulp_cli(pulp, "teamindex", "index", "create", "--name", staging)
    assert name in [i["name"] for i in pulp_cli(pulp, "teamindex", "index", "list")]
    assert pulp_cli(pulp, "teamindex", "index", "show", "--name", name)["pulp_labels"] == {
        "team": "a"
    }

    for wheel in WHEELS:
        pulp_cli(
            pulp,
            "teamindex",
            "package",
            "upload",
            "--index",
            staging,
            "--file",
            corpus / wheel,
            user=publisher,
        )
    pulp_cli(
        pulp,
        "teamindex",
        "promote",
        "--from",
        staging,
        "--to",
        name,
        "--project",
        "synth-p00000",
        user=publisher,
    )
    listed = pulp_cli(pulp, "teamindex", "package", "list", "--index", name)
    assert sorted(p["filename"] for p in listed) == WHEELS

    pulp_cli(
        pulp,
        "teamindex",
        "package",
        "yank",
        "--index",
        name,
        "--project",
        "synth-p00000",
        "--version",
        "1.1.0",
        "--reason",
        "bad",
        user=publisher,
    )
    page = requests.get(
        created["index_url"] + "synth-p00000/",
        timeout=30,
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    ).json()
    assert [f["yanked"] for f in page["files"]] == [False, "bad"]
    pulp_cli(
        pulp,
        "teamindex",
        "package",
        "remove",
        "--index",
        name,
        "--filename",
        WHEELS[0],
        user=publisher,
    )
    versions = pulp_cli(pulp, "teamindex", "version", "list", "--index", name)
    assert [v["number"] for v in versions] == [3, 2, 1, 0]
    pulp_cli(
        pulp, "teamindex", "version", "rollback", "--index", name, "--version", "1", user=publisher
    )
    restored = pulp_cli(pulp, "teamindex", "package", "list", "--index", name)
    assert sorted(p["filename"] for p in restored) == WHEELS

    for index_name in (name, staging):
        pulp_cli(pulp, "teamindex", "index", "destroy", "--name", index_name)
    assert name not in [i["name"] for i in pulp_cli(pulp, "teamindex", "index", "list")]
