"""Which active blocks apply: one indexed query per page or file (`project` is indexed), and
per batch of files entering an index."""

from django.db.models import Q
from packaging.utils import canonicalize_version

from pulp_teamindex.app.blocklist.rules import Blocks
from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.models import Block


def _active():
    return in_domain(Block.objects.filter(lifted_at__isnull=True))


def blocks_for(projects, sha256s=()):
    """{project: Blocks} for `projects` (normalized), with the blocks of `sha256s` in each."""
    found = _active().filter(
        Q(project__in=list(projects)) | Q(value__in=list(sha256s), kind="sha256")
    )
    rows = list(found.values_list("kind", "value", "project", "reason"))
    return {project: _blocks(project, rows) for project in projects}


def _blocks(project, rows):
    kept = {"project": None, "releases": {}, "filenames": {}, "sha256s": {}}
    for kind, value, owner, reason in rows:
        if kind == "sha256":
            kept["sha256s"][value] = reason
        elif owner != project:
            continue
        elif kind == "project":
            kept["project"] = reason
        elif kind == "release":
            kept["releases"][canonicalize_version(value.partition("==")[2])] = reason
        else:
            kept["filenames"][value] = reason
    return Blocks(**kept)


def blocked_projects():
    """{project: reason} of the whole projects blocked now (the project list leaves them out)."""
    return dict(_active().filter(kind="project").values_list("project", "reason"))


def refusals(files):
    """{filename: why} for those of `files` (objects with `filename`, `normalized_name`,
    `sha256`) that a block withholds."""
    files = list(files)
    if not files:
        return {}
    blocks = blocks_for({f.normalized_name for f in files}, {f.sha256 for f in files})
    found = {}
    for f in files:
        if (reason := blocks[f.normalized_name].withheld(f.filename, f.sha256)) is not None:
            found[f.filename] = reason
    return found
