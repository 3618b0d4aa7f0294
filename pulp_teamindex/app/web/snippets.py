"""Copy-paste configuration for the clients teams use, with an index's real URLs. Pure.

Each snippet is plain text (the page escapes it). `index_url` is the simple API URL pip and uv
read, `upload_url` the legacy upload URL twine posts to; `name` is the index's short name, used
where a tool wants one (a uv, poetry or pipenv source, a .pypirc section).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Snippet:
    tool: str  # the heading a person looks for
    where: str  # which file or command it goes into
    text: str


def source_name(base_path):
    """A source name tools accept, from the index's base path: `team-a` for `team-a` (lower
    case letters, digits and dashes)."""
    last = base_path.strip("/").split("/")[-1] if base_path.strip("/") else "index"
    return re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-") or "index"


def install(index_url, project):
    """The one command that installs `project` from this index alone."""
    return f"pip install --index-url {index_url} {project}"


def for_index(index_url, upload_url, name, project=None):
    """Every client's configuration for this index; `project` (normalized) adds its name to
    the commands that install or add it."""
    wanted = project or "<project>"
    return [
        Snippet("pip", "pip.conf (Linux: ~/.config/pip/pip.conf)", _pip(index_url)),
        Snippet("uv", "pyproject.toml", _uv(index_url, name, wanted)),
        Snippet("poetry", "pyproject.toml, or the commands", _poetry(index_url, name, wanted)),
        Snippet("pipenv", "Pipfile", _pipenv(index_url, name, wanted)),
        Snippet("twine", "~/.pypirc", _twine(upload_url, name)),
        Snippet("Trusted publishing", ".github/workflows/release.yml", _trusted(upload_url)),
    ]


def _pip(index_url):
    return f"[global]\nindex-url = {index_url}\n"


def _uv(index_url, name, project):
    return (
        f'[[tool.uv.index]]\nname = "{name}"\nurl = "{index_url}"\ndefault = true\n\n'
        f"# or once: uv pip install --index-url {index_url} {project}\n"
    )


def _poetry(index_url, name, project):
    return (
        f'[[tool.poetry.source]]\nname = "{name}"\nurl = "{index_url}"\n'
        f'priority = "primary"\n\n'
        f"# or: poetry source add --priority=primary {name} {index_url}\n"
        f"#     poetry add --source {name} {project}\n"
    )


def _pipenv(index_url, name, project):
    return (
        f'[[source]]\nurl = "{index_url}"\nverify_ssl = true\nname = "{name}"\n\n'
        f'[packages]\n{project} = {{version = "*", index = "{name}"}}\n'
    )


def _twine(upload_url, name):
    return (
        f"[distutils]\nindex-servers =\n    {name}\n\n[{name}]\n"
        f"repository = {upload_url}\nusername = __token__\n"
        "password = pti_...   # an API token scoped to this index (docs: publishing)\n\n"
        f"# then: twine upload --repository {name} dist/*\n"
    )


def _trusted(upload_url):
    return (
        "jobs:\n  publish:\n    runs-on: ubuntu-latest\n    environment: release\n"
        "    permissions:\n      id-token: write   # the job's identity token, no secret\n"
        "    steps:\n      - uses: actions/checkout@v4\n      - uses: astral-sh/setup-uv@v6\n"
        "      - run: uv build\n"
        f"      - run: uv publish --trusted-publishing always --publish-url {upload_url}\n"
        "# an admin first adds a trusted publisher policy for this repository and workflow\n"
    )
