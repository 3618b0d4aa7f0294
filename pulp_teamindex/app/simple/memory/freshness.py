"""Whether a page rendered at one version of an index still holds at a later one.

Each new version's change feed message names a repository, the version number it created and
the projects that version touched (or None: anything may have changed). A page of project P
rendered at version R is still exact at version V >= R unless some version in (R, V] touched P.
Pages of untouched projects therefore survive uploads: publishing one file re-renders one
project.

An upload accepted into an index's journal makes no version: its message names the project
only, and counts on this process's own clock (`now`). A page of P taken at tick T is exact
unless such a message for P arrived after T; callers take the tick before reading the
database, and a message is sent only once its upload is committed.
"""


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

    def record(self, change):
        """Take in one `change_feed.messages.Change`: a new version or a journal upload."""
        if change.kind == "journal":
            self._clock += 1
            (project,) = change.projects
            self._journaled[(change.repository, project)] = self._clock
            self._journaled_any[change.repository] = self._clock
        elif change.kind == "version":
            self._version(change.repository, change.number, change.projects)

    def _version(self, repository, number, projects):
        self._any[repository] = max(number, self._any.get(repository, 0))
        if projects is None:
            self._everything[repository] = max(number, self._everything.get(repository, 0))
            return
        for project in projects:
            key = (repository, project)
            self._touched[key] = max(number, self._touched.get(key, 0))

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
