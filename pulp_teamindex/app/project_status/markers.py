"""PEP 792 project status markers: the four statuses, what each lets an index do, and the words
a person reads when a status stops them.

PEP 792 (now the PyPA "Project Status Markers" spec) gives a project exactly one status, `active`
unless noted, and says of the index:

- `active`, `deprecated`: uploads MUST be allowed, files MUST be offered;
- `archived`: uploads MUST NOT be allowed, files MUST be offered;
- `quarantined`: uploads MUST NOT be allowed, files MUST NOT be offered.

Pure: no database, so every rule here is unit tested directly.
"""

from dataclasses import dataclass

ACTIVE = "active"
ARCHIVED = "archived"
DEPRECATED = "deprecated"
QUARANTINED = "quarantined"
STATUSES = (ACTIVE, ARCHIVED, DEPRECATED, QUARANTINED)
NO_UPLOADS = frozenset({ARCHIVED, QUARANTINED})
NO_FILES = frozenset({QUARANTINED})
# A reason is shown in every page of the project and kept in a unique index with the name.
MAX_REASON = 500


@dataclass(frozen=True)
class Marker:
    """A project's status and the free-form reason given for it ("" when none); `elsewhere`
    when another index of the deployment set it (a quarantine reaches every index)."""

    status: str = ACTIVE
    reason: str = ""
    elsewhere: bool = False

    @property
    def takes_uploads(self):
        return self.status not in NO_UPLOADS

    @property
    def offers_files(self):
        return self.status not in NO_FILES


ACTIVE_MARKER = Marker()


def status_problem(status):
    """Why `status` is no status a project can have, or None."""
    if status in STATUSES:
        return None
    return f"Unknown status {status!r}: give one of {', '.join(STATUSES)} (PEP 792)."


def reason_problem(status, reason):
    """Why `reason` cannot be kept with `status`, or None. Control characters are refused: a
    reason ends up in HTML attributes, JSON, logs and the one-line answers of upload clients."""
    if status == ACTIVE and reason:
        return "`active` is the default status and keeps no reason: leave the reason empty."
    if len(reason) > MAX_REASON:
        return f"The reason is {len(reason)} characters long; at most {MAX_REASON} are kept."
    if any(not character.isprintable() for character in reason):
        return "The reason must be one line of printable text (no newlines or control codes)."
    return None


def _because(marker):
    return f": {marker.reason}" if marker.reason else ""


def upload_refusal(project, index_name, marker):
    """What an upload into a project that takes none is told. A quarantine set by another
    index does not name it: the caller may not be allowed to read it."""
    if marker.elsewhere:
        return (
            f"Project {project!r} is {marker.status} in another index of this deployment"
            f"{_because(marker)}. Its files may enter no index (PEP 792) until an admin or "
            "owner of that index lifts the quarantine."
        )
    return (
        f"Project {project!r} is {marker.status} in index {index_name!r}{_because(marker)}. "
        f"A project that is {marker.status} accepts no uploads (PEP 792); an admin or owner of "
        "the index can set it back to active."
    )


def withheld_files(project, marker):
    """What a download of a file of a project whose files are not offered is told."""
    where = "in another index of this deployment" if marker.elsewhere else "in this index"
    return (
        f"Project {project!r} is {marker.status} {where}{_because(marker)}. "
        f"No file of a {marker.status} project is served (PEP 792)."
    )


def withheld_upstream_files(project, marker):
    """What a download is told when the index's upstream says the project offers no files."""
    return (
        f"Project {project!r} is {marker.status} in this index's upstream{_because(marker)}. "
        f"No file of a {marker.status} project is served (PEP 792)."
    )


def lifting_refusal(projects):
    """Why a publisher may not end a quarantine (setting a status, a rollback, a modify)."""
    names = ", ".join(repr(name) for name in sorted(projects))
    return (
        f"Only an admin or owner of the index may lift the quarantine of {names}: a "
        "quarantine answers an incident, which may be a publisher account that was taken over."
    )
