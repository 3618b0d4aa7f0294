"""The pulp CLI: the generic commands know team indexes, and `pulp teamindex` manages them."""

import uuid

import requests
from distgen import wheel as make_wheel
from helpers import BIN, pulp_cli, run, twine_upload

JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}
WHEELS = ["synth_p00000-1.0.0-py3-none-any.whl", "synth_p00000-1.1.0-py3-none-any.whl"]


def test_generic_list_commands_show_team_indexes(pulp, index):
    repos = pulp_cli(pulp, "repository", "list", "--limit", "1000")
    assert index["repository"]["pulp_href"] in [r["pulp_href"] for r in repos]
    dists = pulp_cli(pulp, "distribution", "list", "--limit", "1000")
    assert index["distribution"]["pulp_href"] in [d["pulp_href"] for d in dists]


def test_teamindex_commands_manage_an_index_end_to_end(pulp, corpus, publisher, admin):
    name = f"cli-{uuid.uuid4().hex[:6]}"
    staging = f"{name}-staging"
    repo = ("teamindex", "repository")
    pulp_cli(pulp, *repo, "create", "--name", name, "--labels", '{"team": "a"}')
    created = pulp_cli(pulp, *repo, "show", "--name", name)
    assert created["index_url"].endswith(f"/{name}/simple/")  # the distribution came with it
    pulp_cli(pulp, *repo, "create", "--name", staging)
    assert name in [i["name"] for i in pulp_cli(pulp, *repo, "list")]
    assert created["pulp_labels"] == {"team": "a"}

    for wheel in WHEELS:
        pulp_cli(
            pulp,
            "teamindex",
            "package",
            "upload",
            "--repository",
            staging,
            "--file",
            corpus / wheel,
            user=publisher,
        )
    pulp_cli(
        pulp,
        *repo,
        "promote",
        "--from",
        staging,
        "--repository",
        name,
        "--project",
        "synth-p00000",
        user=publisher,
    )
    listed = pulp_cli(pulp, "teamindex", "package", "list", "--repository", name)
    assert sorted(p["filename"] for p in listed) == WHEELS

    pulp_cli(
        pulp,
        "teamindex",
        "package",
        "yank",
        "--repository",
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
        "--repository",
        name,
        "--filename",
        WHEELS[0],
        user=publisher,
    )
    versions = pulp_cli(pulp, *repo, "version", "list", "--repository", name)
    assert [v["number"] for v in versions] == [3, 2, 1, 0]
    pulp_cli(pulp, *repo, "rollback", "--repository", name, "--version", "1", user=publisher)
    restored = pulp_cli(pulp, "teamindex", "package", "list", "--repository", name)
    assert sorted(p["filename"] for p in restored) == WHEELS

    for index_name in (name, staging):
        pulp_cli(pulp, *repo, "destroy", "--name", index_name)
    assert name not in [i["name"] for i in pulp_cli(pulp, *repo, "list")]


def test_repository_and_distribution_commands_pin_a_version(pulp, publisher, tmp_path):
    name = f"res-{uuid.uuid4().hex[:6]}"
    project = f"pin-{name}"
    wheels = [make_wheel(tmp_path, project, v) for v in ("1.0", "2.0")]
    cli = ("teamindex", "repository")
    created = pulp_cli(pulp, *cli, "create", "--name", name, "--no-distribute")
    assert created["distribution"] is None
    pulp_cli(pulp, *cli, "update", "--name", name, "--description", "pinned releases")
    pulp_cli(pulp, *cli, "label", "set", "--repository", name, "--key", "team", "--value", "a")
    shown = pulp_cli(pulp, *cli, "show", "--name", name)
    assert (shown["description"], shown["pulp_labels"]) == ("pinned releases", {"team": "a"})
    listed = pulp_cli(pulp, *cli, "list", "--name-startswith", name)
    assert [r["name"] for r in listed] == [name]

    dists = ("teamindex", "distribution")
    dist = pulp_cli(
        pulp, *dists, "create", "--name", name, "--base-path", name, "--repository", name
    )
    for wheel in wheels:
        assert twine_upload({"distribution": dist}, publisher, wheel).returncode == 0
        pulp_cli(pulp, *cli, "fold", "--repository", name)  # one version per upload, here
    versions = pulp_cli(pulp, *cli, "version", "list", "--repository", name)
    assert [v["number"] for v in versions] == [2, 1, 0]
    uploads = pulp_cli(pulp, *cli, "uploads", "--repository", name)
    assert [(u["filename"], u["user"]) for u in uploads] == [
        (w.name, "publisher") for w in reversed(wheels)
    ]
    assert [u["repository_version"].rsplit("/", 2)[1] for u in uploads] == ["2", "1"]
    one = pulp_cli(pulp, *cli, "uploads", "--repository", name, "--filename", wheels[0].name)
    assert [u["filename"] for u in one] == [wheels[0].name]

    pulp_cli(pulp, *dists, "update", "--name", name, "--version", "2")
    pulp_cli(pulp, *dists, "update", "--name", name, "--version", "1")  # re-pin a pinned one
    assert pulp_cli(pulp, *dists, "show", "--name", name)["repository_version"].endswith(
        "/versions/1/"
    )
    page = requests.get(dist["index_url"] + project + "/", headers=JSON, timeout=30).json()
    assert [f["filename"] for f in page["files"]] == [wheels[0].name]

    pulp_cli(pulp, *dists, "update", "--name", name, "--repository", name)  # latest again
    page = requests.get(dist["index_url"] + project + "/", headers=JSON, timeout=30).json()
    assert [f["filename"] for f in page["files"]] == [w.name for w in wheels]

    pulp_cli(pulp, *dists, "destroy", "--name", name)
    pulp_cli(pulp, *cli, "destroy", "--name", name)
    assert pulp_cli(pulp, *cli, "list", "--name-startswith", name) == []


def test_the_block_list_from_the_pulp_cli(pulp, admin, publisher):
    """An admin blocks, lists and lifts; a publisher may do none of it."""
    name = f"cli-blocked-{uuid.uuid4().hex[:6]}"
    block = ("teamindex", "block")
    made = pulp_cli(pulp, *block, "create", "--kind", "release", "--value", f"{name}==1.0",
                    "--reason", "bad build")  # fmt: skip
    assert (made["value"], made["project"], made["blocked_by"]) == (f"{name}==1.0", name, "admin")
    assert [b["pulp_href"] for b in pulp_cli(pulp, *block, "list", "--project", name)] == [
        made["pulp_href"]
    ]
    account = [f"--username={publisher.username}", f"--password={publisher.password}"]
    config = ["--config", pulp.state_dir / "cli.toml"]
    refused = run([BIN / "pulp", *config, *account, *block, "lift", "--href", made["pulp_href"]])
    assert refused.returncode != 0
    lifted = pulp_cli(pulp, *block, "lift", "--href", made["pulp_href"])
    assert lifted["lifted_by"] == "admin"
    assert pulp_cli(pulp, *block, "list", "--project", name) == []
    assert len(pulp_cli(pulp, *block, "list", "--project", name, "--all")) == 1
