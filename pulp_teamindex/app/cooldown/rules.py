"""What a cooldown is and what it holds back. Pure: no database.

A cooldown is a duration written as a whole number and one unit (`90m`, `12h`, `3d`, `2w`;
`0` for none), parsed strictly so that a typo in a setting or a field is an error, never a
cooldown of another length. A file is held back until its upload time plus the cooldown; the
time counted from is the one the index shows (the upstream's, or when the index first saw the
file, never earlier than the truth), so a file whose time is unknown counts as new.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from packaging.utils import canonicalize_version

from pulp_teamindex.app.blocklist.rules import normalized as block_value
from pulp_teamindex.app.distfiles import parse_filename
from pulp_teamindex.app.exceptions import InvalidDistribution

_DURATION = re.compile(r"^(?P<number>\d{1,6})(?P<unit>[smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_COOLDOWN = 365 * 86400  # a year: longer is a typo, or a reason to block instead
MAX_EXCEPTION = timedelta(days=365)  # an exception is reviewed at least once a year


def duration(text):
    """Seconds of the cooldown `text` (`0`, or a whole number and one of s, m, h, d, w);
    ValueError saying what to write instead."""
    value = str(text).strip().lower()
    if value == "0":
        return 0
    found = _DURATION.match(value)
    if found is None:
        raise ValueError(
            f"{text!r} is not a cooldown: write 0, or a whole number and one unit "
            "(s, m, h, d or w), e.g. 90m, 12h, 3d."
        )
    seconds = int(found["number"]) * _UNITS[found["unit"]]
    if seconds > MAX_COOLDOWN:
        raise ValueError(f"{text!r} is longer than a year (365d), the longest cooldown.")
    return seconds


def normalized(text):
    """`text` as kept: stripped, lower case (after `duration` accepted it)."""
    duration(text)
    return str(text).strip().lower()


@dataclass(frozen=True)
class Hold:
    """An index's cooldown for one project's upstream files: its length in seconds, and the
    active exceptions (the whole project's expiry, and each release's by canonical version)."""

    seconds: int = 0
    cooldown: str = "0"  # as configured, for messages
    project_until: datetime | None = None
    releases_until: dict = field(default_factory=dict)

    def matures_at(self, upload_time):
        """When a file uploaded at `upload_time` may be listed and served."""
        return upload_time + timedelta(seconds=self.seconds)

    def exempt_until(self, filename):
        """Until when an exception lets `filename` through, or None."""
        if self.project_until is not None:
            return self.project_until
        try:
            version = parse_filename(filename)[2]
        except InvalidDistribution:
            return None
        return self.releases_until.get(canonicalize_version(version))

    def held(self, filename, upload_time, now):
        """The time `filename` (shown as uploaded at `upload_time`) matures, while it is held
        back at `now`; None when it may be served."""
        if self.seconds <= 0:
            return None
        matures = self.matures_at(upload_time)
        if matures <= now or self.exempt_until(filename) is not None:
            return None
        return matures

    def changes_at(self, filename, upload_time, now):
        """The next moment after `now` at which what `held` says of the file changes (it
        matures, or its exception expires), or None: a remembered answer must not outlive it."""
        if self.seconds <= 0:
            return None
        matures = self.matures_at(upload_time)
        if matures <= now:
            return None
        exempt = self.exempt_until(filename)
        return exempt if exempt is not None else matures


def earliest(times):
    """The earliest of `times` that is not None, or None."""
    known = [time for time in times if time is not None]
    return min(known) if known else None


def refusal(filename, upload_time, matures, cooldown):
    """What a held-back file (and its metadata) answers: when it becomes available, and how to
    get an exception."""
    _kind, project, version = parse_filename(filename)
    return (
        f"{filename} is held back by this index's cooldown ({cooldown}) until {_shown(matures)}: "
        f"it was uploaded at {_shown(upload_time)} (the upstream's time, or when this index "
        "first saw the file if the upstream gave none). To install it sooner, ask an admin or "
        f"an owner of this index for a cooldown exception for {project!r} or "
        f"'{project}=={version}' (/pulp/api/v3/teamindex/cooldown-exceptions/)."
    )


def _shown(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def exception_value(value):
    """(value as kept, project, canonical version or "") of an exception for `<project>` or
    `<project>==<version>` (normalized as blocks are); ValueError saying what to write."""
    kind = "release" if "==" in value else "project"
    kept, project = block_value(kind, value)
    version = kept.partition("==")[2]
    return kept, project, canonicalize_version(version) if version else ""


def expiry_problem(expires_at, now):
    """Why an exception may not end at `expires_at`, or None: it must end, within a year."""
    if expires_at <= now:
        return "Give a time in the future: an exception that has expired lets nothing through."
    if expires_at - now > MAX_EXCEPTION:
        return "An exception lasts at most a year (365 days): grant a new one when it ends."
    return None
