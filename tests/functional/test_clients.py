"""The client matrix: every installer and publisher teams use works against a team index.

Installers resolve a three-project dependency chain from the index alone and must end up with
the exact bytes that were uploaded; publishers upload a file that is then served, and show the
server's reason when an upload is refused. Every client runs with a throwaway HOME and no
PIP_/UV_ variables, so nothing from this machine's configuration can help it.
"""

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import requests
from distgen import corpus as make_corpus
from distgen import wheel
from helpers import BIN, ROOT, make_index, pip, run, twine_upload

CLIENTS = ROOT / ".venv-clients" / "bin"
# Python 3.6 and 3.7 bundle pips (18.1, 22.0.4) that read only PEP 503 HTML pages.
OLD_PYTHON = [
    p
    for v in ("3.6", "3.7")
    for p in [*Path.home().glob(f".pyenv/versions/{v}.*/bin/python{v}"), shutil.which(f"python{v}")]
    if p
]
CHAIN = ("synth-p00000", "synth-p00001", "synth-p00002")
# The interpreter clients build project environments from: never the test environment itself,
# which a client told to use it would install into.
BASE_PYTHON = sys._base_executable


@pytest.fixture(scope="module")
def team(admin, publisher, tmp_path_factory):
    """An index holding the chain (1.0.0 and 1.1.0 of three projects) and `oldclient-demo`, a
    wheel that Python 3.6 may install; with the sha256 of every uploaded file by filename."""
    files = tmp_path_factory.mktemp("chain")
    wheels = [p for p in make_corpus(files, 3, 2) if p.suffix == ".whl"]
    wheels.append(wheel(files, "oldclient-demo", "1.0", requires_python=">=3.6"))
    created = make_index(admin)
    result = twine_upload(created, publisher, *wheels)
    assert result.returncode == 0, result.stdout + result.stderr
    created["sha256"] = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in wheels}
    yield created
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


@pytest.fixture
def home(tmp_path):
    """A fresh HOME and XDG directories: no client finds a user or machine configuration."""
    root = tmp_path / "home"
    dirs = {"HOME": root, "XDG_CONFIG_HOME": root / ".config", "XDG_CACHE_HOME": root / ".cache"}
    dirs["XDG_DATA_HOME"] = root / ".local" / "share"
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    return {k: str(v) for k, v in dirs.items()}


def _ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _hashes_in(text):
    return set(re.findall(r"sha256[:=]([0-9a-f]{64})", text))


def _chain_hashes(team, version="1.1.0"):
    return {team["sha256"][f"{p.replace('-', '_')}-{version}-py3-none-any.whl"] for p in CHAIN}


def _project(directory, text):
    directory.mkdir()
    (directory / "pyproject.toml").write_text(text)
    return directory


CONSUMER = """
[project]
name = "consumer"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["synth-p00002"]
"""


def _installed(venv_python):
    """name==version of what an environment holds, by asking its own Python."""
    code = "import importlib.metadata as m; print(sorted(d.metadata['Name'] + '==' + d.version"
    code += " for d in m.distributions()))"
    return run([venv_python, "-c", code]).stdout


# installers


def test_pip_downloads_the_chain_with_the_uploaded_bytes(team, tmp_path):
    _ok(pip("download", "--index-url", team["distribution"]["index_url"], "-d", tmp_path, CHAIN[2]))
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.glob("*.whl")}
    assert set(got.values()) == _chain_hashes(team)


@pytest.mark.skipif(not OLD_PYTHON, reason="this machine has no Python 3.6 or 3.7")
def test_an_old_pip_on_an_old_python_reads_the_html_index(team, tmp_path):
    """An old pip speaks only PEP 503 HTML: it must honour data-requires-python (the chain
    needs 3.8) and install what an old Python may."""
    venv = tmp_path / "old"
    _ok(run([OLD_PYTHON[0], "-m", "venv", venv]))
    old_pip = [venv / "bin" / "python", "-m", "pip"]
    assert re.match(r"pip (18|19|20|21|22\.[01])\.", _ok(run([*old_pip, "--version"])).stdout)
    url = team["distribution"]["index_url"]
    args = ["--isolated", "--no-cache-dir", "--index-url", url]
    refused = run([*old_pip, "install", *args, CHAIN[0]])
    assert refused.returncode != 0
    assert "No matching distribution" in refused.stdout + refused.stderr
    _ok(run([*old_pip, "install", *args, "oldclient-demo"]))
    assert "oldclient-demo==1.0" in _ok(run([*old_pip, "freeze", "--isolated"])).stdout


def test_uv_project_mode_locks_and_syncs_from_a_named_index(team, tmp_path, home):
    project = _project(
        tmp_path / "uvproj",
        CONSUMER
        + f"""
[tool.uv]
package = false

[[tool.uv.index]]
name = "team"
url = "{team["distribution"]["index_url"]}"
default = true
""",
    )
    env = {**home, "UV_PYTHON": BASE_PYTHON}
    _ok(run([BIN / "uv", "lock", "--no-cache"], env=env, cwd=project))
    lock = (project / "uv.lock").read_text()
    assert _chain_hashes(team) <= _hashes_in(lock)
    assert f'registry = "{team["distribution"]["index_url"]}' in lock
    assert "pypi.org" not in lock
    _ok(run([BIN / "uv", "sync", "--no-cache", "--frozen"], env=env, cwd=project))
    assert "synth-p00002==1.1.0" in _installed(project / ".venv" / "bin" / "python")


def test_uv_pip_compile_pins_with_the_index_hashes(team, tmp_path, home):
    (tmp_path / "requirements.in").write_text(f"{CHAIN[2]}\n")
    args = ["pip", "compile", "--no-config", "--no-cache", "--generate-hashes"]
    url = ["--index-url", team["distribution"]["index_url"]]
    out = _ok(run([BIN / "uv", *args, *url, tmp_path / "requirements.in"], env=home)).stdout
    assert _chain_hashes(team) <= _hashes_in(out)


def test_pip_tools_compiles_with_the_index_hashes(team, tmp_path, home):
    (tmp_path / "requirements.in").write_text(f"{CHAIN[2]}\n")
    output = tmp_path / "requirements.txt"
    _ok(
        run(
            [
                CLIENTS / "pip-compile",
                "--generate-hashes",
                "--no-emit-index-url",
                "--cache-dir",
                tmp_path / "cache",
                "--index-url",
                team["distribution"]["index_url"],
                "-o",
                output,
                tmp_path / "requirements.in",
            ],
            env=home,
            cwd=tmp_path,
        )
    )
    assert _chain_hashes(team) <= _hashes_in(output.read_text())


def test_pipenv_locks_and_installs_from_the_index(team, tmp_path, home):
    project = tmp_path / "pipenvproj"
    project.mkdir()
    (project / "Pipfile").write_text(
        f"""[[source]]
url = "{team["distribution"]["index_url"]}"
verify_ssl = false
name = "team"

[packages]
synth-p00002 = "*"
"""
    )
    env = {
        **home,
        "PIPENV_VENV_IN_PROJECT": "1",
        "PIPENV_IGNORE_VIRTUALENVS": "1",
        "PIPENV_YES": "1",
        "PIPENV_NOSPIN": "1",
        "PIPENV_PYTHON": BASE_PYTHON,
    }
    _ok(run([CLIENTS / "pipenv", "install"], env=env, cwd=project))
    lock = json.loads((project / "Pipfile.lock").read_text())
    locked = {h for pkg in lock["default"].values() for h in pkg["hashes"]}
    assert {f"sha256:{h}" for h in _chain_hashes(team)} <= locked
    assert "synth-p00002==1.1.0" in _installed(project / ".venv" / "bin" / "python")


def test_poetry_locks_and_installs_from_a_primary_source(team, tmp_path, home):
    project = _project(
        tmp_path / "poetryproj",
        CONSUMER
        + f"""
[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "team"
url = "{team["distribution"]["index_url"]}"
priority = "primary"
""",
    )
    env = {**home, "POETRY_VIRTUALENVS_IN_PROJECT": "true", "POETRY_NO_INTERACTION": "1"}
    _ok(run([CLIENTS / "poetry", "lock"], env=env, cwd=project))
    lock = (project / "poetry.lock").read_text()
    assert _chain_hashes(team) <= _hashes_in(lock)
    _ok(run([CLIENTS / "poetry", "install"], env=env, cwd=project))
    assert "synth-p00002==1.1.0" in _installed(project / ".venv" / "bin" / "python")


def test_pdm_locks_and_installs_from_its_source(team, tmp_path, home):
    project = _project(
        tmp_path / "pdmproj",
        CONSUMER
        + f"""
[tool.pdm]
distribution = false

[[tool.pdm.source]]
name = "pypi"
url = "{team["distribution"]["index_url"]}"
verify_ssl = false
""",
    )
    _ok(run([BASE_PYTHON, "-m", "venv", "--without-pip", project / ".venv"]))
    env = {**home, "PDM_CHECK_UPDATE": "false", "PDM_PYTHON": str(project / ".venv/bin/python")}
    _ok(run([CLIENTS / "pdm", "lock"], env=env, cwd=project))
    assert _chain_hashes(team) <= _hashes_in((project / "pdm.lock").read_text())
    _ok(run([CLIENTS / "pdm", "install"], env=env, cwd=project))
    assert "synth-p00002==1.1.0" in _installed(project / ".venv" / "bin" / "python")


# publishers


def _publish_command(client, url, user, password, dist):
    """(command, extra env) for `client` to upload `dist`'s files, run in `dist`'s project."""
    files = sorted(str(p) for p in dist.glob("*.whl"))
    return {
        "uv": (
            [BIN / "uv", "publish", "--no-config", "--publish-url", url, *files],
            {"UV_PUBLISH_USERNAME": user, "UV_PUBLISH_PASSWORD": password},
        ),
        "poetry": (
            [CLIENTS / "poetry", "publish", "--repository", "team"],
            {
                "POETRY_REPOSITORIES_TEAM_URL": url,
                "POETRY_HTTP_BASIC_TEAM_USERNAME": user,
                "POETRY_HTTP_BASIC_TEAM_PASSWORD": password,
                "POETRY_NO_INTERACTION": "1",
            },
        ),
        "pdm": (
            [CLIENTS / "pdm", "publish", "--no-build", "--repository", url],
            {"PDM_PUBLISH_USERNAME": user, "PDM_PUBLISH_PASSWORD": password},
        ),
        "hatch": (
            [CLIENTS / "hatch", "publish", "--no-prompt", "--repo", url, *files],
            {"HATCH_INDEX_USER": user, "HATCH_INDEX_AUTH": password},
        ),
    }[client]


@pytest.mark.parametrize("client", ["uv", "poetry", "pdm", "hatch"])
def test_publishers_upload_and_show_why_a_refusal_happened(
    client, team, admin, publisher, tmp_path, home
):
    project = tmp_path / f"pub-{client}"
    name = f"published-by-{client}"
    _project(project, f'[project]\nname = "{name}"\nversion = "1.0.0"\n')
    (project / "dist").mkdir()
    built = wheel(project / "dist", name, "1.0.0")
    url = team["distribution"]["upload_url"]

    command, env = _publish_command(client, url, admin.username, admin.password, project / "dist")
    refused = run(command, env={**home, **env}, cwd=project)
    shown = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0, shown
    logs = [p.read_text() for p in Path(home["HOME"]).rglob("*.log")]  # pdm's debug log
    assert "may not publish to index" in shown, "\n".join([shown, *logs])

    secret = publisher.password
    command, env = _publish_command(client, url, publisher.username, secret, project / "dist")
    _ok(run(command, env={**home, **env}, cwd=project))
    page = requests.get(
        team["distribution"]["index_url"] + name + "/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
        timeout=30,
    ).json()
    (served,) = page["files"]
    assert served["filename"] == built.name
    assert served["hashes"]["sha256"] == hashlib.sha256(built.read_bytes()).hexdigest()
    shutil.rmtree(project / "dist")
