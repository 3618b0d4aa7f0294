"""What a block names, and what it withholds. Pure: no database.

A block's value is kept normalized so that one lookup finds it however it was spelled: a
project by its PEP 503 name, a release as `<name>==<version>` with both normalized (PEP 440),
a filename exactly (a filename is what an index serves), a sha256 as 64 lowercase hex digits.
Versions are compared in their canonical form (1.0 and 1.0.0 are one release).
"""

import re
from dataclasses import dataclass, field

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

from pulp_teamindex.app.distfiles import normalize_name, parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
MAX_REASON = 500


def normalized(kind, value):
    """(value as kept, the project it names or "") for a block of `kind`; ValueError with a
    message a person can act on when `value` names nothing of that kind."""
    value = value.strip()
    if kind == "project":
        if not _NAME.match(value):
            raise ValueError(f"{value!r} is not a project name.")
        return normalize_name(value), normalize_name(value)
    if kind == "release":
        name, separator, version = value.partition("==")
        if not separator or not _NAME.match(name.strip()):
            raise ValueError("Give a release as <project>==<version>, e.g. requests==2.32.0.")
        try:
            version = str(Version(version.strip()))
        except InvalidVersion:
            raise ValueError(f"{version.strip()!r} is not a PEP 440 version.") from None
        return f"{normalize_name(name.strip())}=={version}", normalize_name(name.strip())
    if kind == "filename":
        try:
            project = parse_filename(value)[1]
        except InvalidDistribution as exc:
            raise ValueError(str(exc)) from None
        return value, project
    if kind == "sha256":
        if not _SHA256.match(value.lower()):
            raise ValueError("A sha256 is 64 hexadecimal digits.")
        return value.lower(), ""
    raise ValueError(f"Unknown kind {kind!r}: give project, release, filename or sha256.")


def reason_problem(reason):
    """Why `reason` cannot be kept, or None: it is shown to installers in one line."""
    if not reason.strip():
        return "Say why (the reason is shown to everyone the block stops)."
    if len(reason) > MAX_REASON:
        return f"The reason is {len(reason)} characters long; at most {MAX_REASON} are kept."
    if any(not character.isprintable() for character in reason):
        return "The reason must be one line of printable text (no newlines or control codes)."
    return None


@dataclass(frozen=True)
class Blocks:
    """The active blocks that may concern one project's files: the project's own, its
    releases', its filenames', and those of the sha256s asked about."""

    project: str | None = None  # the reason, when the whole project is blocked
    releases: dict = field(default_factory=dict)  # canonical version -> reason
    filenames: dict = field(default_factory=dict)
    sha256s: dict = field(default_factory=dict)

    def withheld(self, filename, sha256):
        """Why the file may not be listed, served or taken in, or None."""
        if self.project is not None:
            return self.project
        if (reason := self.filenames.get(filename)) or (reason := self.sha256s.get(sha256)):
            return reason
        try:
            version = parse_filename(filename)[2]
        except InvalidDistribution:
            return None
        return self.releases.get(canonicalize_version(version))


def refusal(name, reason):
    """What a blocked file or project answers, on every path."""
    return f"{name} is blocked in this deployment: {reason}. Ask its admins."
