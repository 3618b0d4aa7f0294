"""What a search query is, how its hits rank and which release each hit shows. Pure."""

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

MIN_LENGTH = 2
MAX_LENGTH = 100
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
EXACT, PREFIX, NAME, SUMMARY = range(4)  # how a hit matched, best first


@dataclass(frozen=True)
class Query:
    text: str  # as typed, whitespace collapsed: matched against summaries, any case
    name: str  # as a normalized project name: matched against names

    def like(self, value):
        """A LIKE pattern for `value` anywhere, its wildcards taken literally."""
        return "%" + re.sub(r"([\\%_])", r"\\\1", value) + "%"


class BadQuery(ValueError):
    """A query a person must change; the message says how, `field` which parameter."""

    def __init__(self, message, field="q"):
        super().__init__(message)
        self.field = field


def parse(text, limit=None):
    """(Query, limit) from the request's `q` and `limit`; raises BadQuery."""
    text = " ".join((text or "").split())
    if len(text) < MIN_LENGTH or len(text) > MAX_LENGTH:
        raise BadQuery(f"Give q, the text to search for: {MIN_LENGTH} to {MAX_LENGTH} characters.")
    if not any(character.isalnum() for character in text):
        raise BadQuery("Give q with at least one letter or digit: names and words are matched.")
    try:
        limit = DEFAULT_LIMIT if limit in (None, "") else int(limit)
    except ValueError:
        raise BadQuery(f"limit must be a whole number from 1 to {MAX_LIMIT}.", "limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be a whole number from 1 to {MAX_LIMIT}.", "limit")
    return Query(text=text, name=canonicalize_name(text.replace(" ", "-"))), limit


def rank(query, normalized_name):
    """How a file of `normalized_name` matches: the name itself, a name starting with the
    query, a name holding it, or only its summary."""
    if normalized_name == query.name:
        return EXACT
    if normalized_name.startswith(query.name):
        return PREFIX
    if query.name in normalized_name:
        return NAME
    return SUMMARY


def newest(files):
    """The file of the highest release among `files` (dicts with `version`): the one whose
    name spelling, version and summary a hit shows."""
    return max(files, key=lambda f: _order(f["version"]))


def _order(version):
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, Version("0"), version)
