"""The deployment page's lists of indexes (`web/directory`), one per domain, remembered by the
content app until anything changes.

Any change the feed reports may alter the list (a new index or distribution, a guard, an upload
changing a project count), so each one forgets every list; a list read while a change arrived,
or while the feed is down, is not kept. Lists change far less often than they are read.
"""


class Directories:
    def __init__(self):
        self._lists = {}
        self._generation = 0

    def get(self, domain):
        return self._lists.get(domain)

    def ticket(self):
        """Taken before reading the database for a list, handed to `put`."""
        return self._generation

    def put(self, domain, directory, ticket, trusted):
        if trusted and ticket == self._generation:
            self._lists[domain] = directory

    def clear(self):
        self._lists.clear()
        self._generation += 1
