"""The rules a file entering an index must pass on the deployment's state, in one list.

Every path a file enters an index by asks the same `CHECKS`, each a function of (index, files)
answering {filename: refusal} for the files it refuses: twine's upload (`journal.accept`, under
the index's lock), a REST upload's early answer (before anything is stored), an import's
batches, and the rules of every new version (`versions.RULES`: promote, modify, a REST upload's
task), which pass the version and only the files the index did not hold before. A file is an
object with `filename`, `normalized_name` and `sha256` (a unit, or a parsed upload). A refusal
carries its HTTP status.
"""

from pulp_teamindex.app.blocklist import lookup as blocklist
from pulp_teamindex.app.blocklist.rules import refusal as block_refusal
from pulp_teamindex.app.exceptions import FileBlocked, NameTaken, ProjectClosed
from pulp_teamindex.app.names.ownership import name_refusals
from pulp_teamindex.app.project_status.lookup import closed_projects
from pulp_teamindex.app.project_status.markers import upload_refusal


def blocked(index, files, version=None):
    """Blocked in this deployment (a project, release, filename or sha256): no index takes it."""
    found = blocklist.refusals(files)
    return {name: FileBlocked(block_refusal(name, why)) for name, why in found.items()}


def closed(index, files, version=None):
    """Archived or quarantined in the index (in `version`, by default its latest), or
    quarantined in any index (PEP 792): no new file."""
    projects = closed_projects(index, {f.normalized_name for f in files}, version)
    return {
        f.filename: ProjectClosed(upload_refusal(f.normalized_name, index.name, marker))
        for f in files
        if (marker := projects.get(f.normalized_name)) is not None
    }


def taken(index, files, version=None):
    """Owned by another index, or in a namespace reserved for one (no dependency confusion).
    A version has its own, wider rule (bytes promoted from the owner): `names.ownership`."""
    if version is not None:
        return {}
    reasons = name_refusals(index, {f.normalized_name for f in files})
    return {f.filename: NameTaken(r) for f in files if (r := reasons.get(f.normalized_name))}


CHECKS = (blocked, closed, taken)


def refusals(index, files, version=None):
    """{filename: why it may not enter `index`}, the first refusal of `CHECKS` for each."""
    found = {}
    for check in CHECKS:
        if remaining := [f for f in files if f.filename not in found]:
            found.update(check(index, remaining, version))
    return found


def refuse(index, files, version=None):
    """Raise the first refusal of `CHECKS` for `files` entering `index`."""
    if found := refusals(index, files, version):
        raise found[min(found)]
