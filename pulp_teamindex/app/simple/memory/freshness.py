"""Whether a page rendered at one version of an index still holds at a later one.

Each change feed message names a repository, the version number it created and the projects
that version touched (or None: anything may have changed). A page of project P rendered at
version R is still exact at version V >= R unless some version in (R, V] touched P. Pages of
untouched projects therefore survive uploads: publishing one file re-renders one project.

An upload accepted into an index's journal makes no version: its message names the project
only, and counts on this process's own clock (`now`). A page of P taken at tick T is exact
unless such a message for P arrived after T; callers take the tick before reading the
database, and a message is sent only once its upload is committed.
"""

import json

MAX_NAMED_PROJECTS = 200
MAX_NAMED_QUARANTINES = 20  # more in one version (rare): every page is forgotten instead


def message(repository_pk, number, projects, quarantines=()):
    """The change feed payload for a new version (kept under PostgreSQL's 8000-byte limit).
    `quarantines` names the projects whose quarantine it set or lifted (`quarantines_in`)."""
    names = sorted(projects) if projects is not None else None
    if names is not None and len(names) > MAX_NAMED_PROJECTS:
        names = None
    data = {"r": str(repository_pk), "v": number, "p": names}
    if quarantines:
        many = len(quarantines) > MAX_NAMED_QUARANTINES
        data["q"] = None if many else sorted(quarantines)
    return json.dumps(data, separators=(",", ":"))


def quarantines_in(payload):
    """The projects whose quarantine a version message says changed ([] for any other
    message), or None when it changed too many to name. Pages of pinned versions are kept for
    as long as the version exists, but show the latest version's quarantines too
    (`project_status.lookup.shown`), so these must go from every version's pages."""
    try:
        data = json.loads(payload)
    except ValueError:
        return []
    if not isinstance(data, dict) or "q" not in data or "j" in data:
        return []
    names = data["q"]
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else None


def journal_message(repository_pk, project, upload_pk):
    """The change feed payload for an upload accepted into a journal (unique, for confirming)."""
    return json.dumps(
        {"j": str(upload_pk), "r": str(repository_pk), "p": [project]}, separators=(",", ":")
    )


def is_journal(payload):
    return payload.startswith('{"j":')


def keeps_routes(payload):
    """Whether every index stays at the version it serves after the change `payload` reports:
    an upload accepted into a journal, or a name gaining its owner (which the first release of
    every new project does, so it must not cost each content app its routes)."""
    return is_journal(payload) or new_owner(payload) is not None


def owner_message(normalized_name):
    """The change feed payload when a project name gains an owner: pages of that project in
    every index must go (upstream copies of it may no longer be served)."""
    return json.dumps({"o": normalized_name}, separators=(",", ":"))


def new_owner(payload):
    """The project named by an owner_message payload, or None."""
    try:
        data = json.loads(payload)
        return data["o"] if isinstance(data, dict) and isinstance(data.get("o"), str) else None
    except ValueError:
        return None


class Freshness:
    def __init__(self):
        self._touched = {}  # (repository, project) -> last version number that touched it
        self._everything = {}  # repository -> last version number that touched everything
        self._any = {}  # repository -> last version number that touched any project
        self._clock = 0  # journal messages taken in by this process
        self._journaled = {}  # (repository, project) -> clock at its last journal message
        self._journaled_any = {}  # repository -> clock at its last journal message

    def now(self):
        return self._clock

    def record(self, payload):
        """Take in one change feed message; a message that is not ours changes nothing."""
        if is_journal(payload):
            self._journal(payload)
            return
        try:
            data = json.loads(payload)
            repository, number, projects = data["r"], int(data["v"]), data["p"]
        except (ValueError, KeyError, TypeError):
            return
        self._any[repository] = max(number, self._any.get(repository, 0))
        if projects is None:
            self._everything[repository] = max(number, self._everything.get(repository, 0))
            return
        for project in projects:
            key = (repository, project)
            self._touched[key] = max(number, self._touched.get(key, 0))

    def _journal(self, payload):
        try:
            data = json.loads(payload)
            repository, (project,) = data["r"], data["p"]
        except (ValueError, KeyError, TypeError):
            return
        self._clock += 1
        self._journaled[(repository, project)] = self._clock
        self._journaled_any[repository] = self._clock

    def valid(self, repository, project, rendered_at, serving, tick):
        """True if a page of `project` rendered at version `rendered_at`, with the journal as
        it was at `tick`, is exact at `serving`.

        `project` None is the project list, which any change may alter.
        """
        if rendered_at > serving:
            return False
        if project is None:
            last = self._any.get(repository, 0)
            journaled = self._journaled_any.get(repository, 0)
        else:
            last = max(
                self._everything.get(repository, 0), self._touched.get((repository, project), 0)
            )
            journaled = self._journaled.get((repository, project), 0)
        return last <= rendered_at and journaled <= tick

    def forget(self):
        self._touched.clear()
        self._everything.clear()
        self._any.clear()
        self._journaled.clear()
        self._journaled_any.clear()
