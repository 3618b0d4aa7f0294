"""Downloads counted in a content process's memory until the next write. Pure: no database.

A download costs one dictionary update on the request path. Counts are kept per hour, index,
filename, reader and client, the key of a row of the record, so that a write is one statement
however many downloads it carries. The book is bounded: past `max_entries` distinct keys, a new
key is counted as dropped (and logged by the writer) rather than grow without limit; a key
already in the book is always counted."""

from dataclasses import dataclass

HOUR = 3600


@dataclass(frozen=True)
class Reader:
    """Who a download was served to, as the content app knew it: a user name ("" when
    anonymous) and a read token's prefix ("" when none)."""

    user: str = ""
    token: str = ""


ANONYMOUS = Reader()


class DownloadBook:
    def __init__(self, max_entries=50_000):
        self._max = max_entries
        self._entries = {}
        self.dropped = 0

    def note(self, index, filename, sha256, reader, client, now):
        """Count one download of `filename` (`sha256`) from `index` at `now` (epoch seconds)."""
        key = (int(now // HOUR) * HOUR, index, filename, reader.user, reader.token, client or "")
        entry = self._entries.get(key)
        if entry is not None:
            entry[0] += 1
            entry[2] = now
        elif len(self._entries) < self._max:
            self._entries[key] = [1, now, now, sha256 or ""]
        else:
            self.dropped += 1

    def take(self):
        """Everything counted since the last take, as rows, and how many downloads were
        dropped; the book starts empty again."""
        entries, dropped = self._entries, self.dropped
        self._entries, self.dropped = {}, 0
        return [Counted(*key, *value) for key, value in entries.items()], dropped

    def give_back(self, rows):
        """Count again the rows a failed write could not keep, within the bound."""
        for row in rows:
            key = (row.hour, row.index, row.filename, row.user, row.token, row.client)
            entry = self._entries.get(key)
            if entry is not None:
                entry[0] += row.count
                entry[1] = min(entry[1], row.first)
            elif len(self._entries) < self._max:
                self._entries[key] = [row.count, row.first, row.last, row.sha256]
            else:
                self.dropped += row.count

    def __len__(self):
        return len(self._entries)


@dataclass(frozen=True)
class Counted:
    """One row of the record: downloads of a file by one reader and client in one hour."""

    hour: int
    index: object
    filename: str
    user: str
    token: str
    client: str
    count: int
    first: float
    last: float
    sha256: str
