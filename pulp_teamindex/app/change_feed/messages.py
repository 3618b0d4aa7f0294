"""The change feed's messages: how a change is written into a NOTIFY payload, and what a
payload says once read. Pure (no database), the bottom layer: the senders (versions, the upload
journal, name claims, signals) and the content apps' memory both build on it.

Kinds of message, each under PostgreSQL's 8000-byte payload limit:
- a new version: the repository, its number, the projects it touched (None: anything may have
  changed) and those whose quarantine it set or lifted (None: too many to name);
- an upload accepted into a journal: the repository and its one project (no version);
- a name gaining its owner: the project;
- `flush`: who owns which name changed, or an upstream did: forget every page;
- a distribution (`d:`), an access (`a:`) or a block list (`b:`) change, unique so that it
  can be confirmed; a cooldown exception granted or revoked is sent as a block list change
  (every page and file is judged anew, routes are kept).
"""

import hashlib
import json
import uuid
from dataclasses import dataclass

MAX_NAMED_PROJECTS = 200
MAX_NAMED_QUARANTINES = 20  # more in one version (rare): every page is forgotten instead
FLUSH = "flush"
DISTRIBUTION = "d"  # a distribution created, edited or deleted
ACCESS = "a"  # a user, group, role assignment, content guard or token changed
BLOCK = "b"  # the block list or a cooldown exception changed: every page and file is judged anew
_KINDS = {DISTRIBUTION: "distribution", ACCESS: "access", BLOCK: "block"}
REPLY_SEPARATOR = "\t"  # between a confirmed message's reply channel and its payload


def _dumps(data):
    return json.dumps(data, separators=(",", ":"))


def version_message(repository_pk, number, projects, quarantines=()):
    """The payload for a new version (see the module docstring)."""
    names = sorted(projects) if projects is not None else None
    if names is not None and len(names) > MAX_NAMED_PROJECTS:
        names = None
    data = {"r": str(repository_pk), "v": number, "p": names}
    if quarantines:
        many = len(quarantines) > MAX_NAMED_QUARANTINES
        data["q"] = None if many else sorted(quarantines)
    return _dumps(data)


def journal_message(repository_pk, project, upload_pk):
    """The payload for an upload accepted into a journal (unique, for confirming)."""
    return _dumps({"j": str(upload_pk), "r": str(repository_pk), "p": [project]})


def owner_message(normalized_name):
    """The payload when a project name gains an owner: pages of that project in every index
    must go (upstream copies of it may no longer be served)."""
    return _dumps({"o": normalized_name})


def unique_change(kind=DISTRIBUTION):
    """A payload that means "something of `kind` changed", unique so it can be confirmed."""
    return f"{kind}:{uuid.uuid4().hex}"


def ack_key(payload):
    """The short form of `payload` a content app acknowledges it with."""
    return hashlib.blake2b(payload.encode(), digest_size=12).hexdigest()


def split_reply(message):
    """(reply channel or None, payload) of a message heard on the feed's channel."""
    reply, separator, payload = message.partition(REPLY_SEPARATOR)
    return (reply, payload) if separator else (None, message)


@dataclass(frozen=True)
class Change:
    """What one payload says, read once. A payload that is not ours reads as `other`, which
    changes no remembered page (but, like any change, the routes)."""

    kind: str  # version, journal, owner, flush, distribution, access, block, other
    repository: str | None = None
    number: int = 0
    projects: tuple | None = ()  # None: any project
    quarantines: tuple | None = ()  # None: too many to name
    owner: str | None = None

    @property
    def may_change_access(self):
        """Whether who may read a guarded index may differ after it."""
        return self.kind in ("flush", "access", "distribution")

    @property
    def keeps_routes(self):
        """Whether every index stays at the version it serves: an upload accepted into a
        journal, or a name gaining its owner (which the first release of every new project
        does, so it must not cost each content app its routes)."""
        return self.kind in ("journal", "owner", "block")


def parse(payload):
    """The `Change` that `payload` reports."""
    if payload == FLUSH:
        return Change("flush")
    kind, colon, _ = payload.partition(":")
    if colon and kind in _KINDS:
        return Change(_KINDS[kind])
    try:
        data = json.loads(payload)
    except ValueError:
        return Change("other")
    if not isinstance(data, dict):
        return Change("other")
    try:
        return _parsed(data)
    except (KeyError, TypeError, ValueError):
        return Change("other")


def _parsed(data):
    if isinstance(data.get("o"), str):
        return Change("owner", owner=data["o"])
    if "j" in data:
        (project,) = data["p"]
        return Change("journal", repository=str(data["r"]), projects=(str(project),))
    projects = data["p"]
    quarantines = data.get("q", [])
    return Change(
        "version",
        repository=str(data["r"]),
        number=int(data["v"]),
        projects=None if projects is None else tuple(str(p) for p in projects),
        quarantines=None if quarantines is None else tuple(_names(quarantines)),
    )


def _names(values):
    return (value for value in values if isinstance(value, str))
