"""The refusals of pulp_teamindex, each with the HTTP status a client gets for it.

Every one carries a message meant for the person who made the request: what is wrong and what
to do about it. The upload endpoint, the REST serializers and the content app turn them into
answers; nothing else decides their status.
"""


class Refusal(Exception):
    """A request the index will not carry out; `status` is the HTTP answer."""

    status = 400


class InvalidDistribution(Refusal, ValueError):
    """The file cannot be accepted into an index: not a valid wheel or sdist, or names that
    disagree."""

    status = 400


class FilenameReuse(Refusal, ValueError):
    """A filename already in the index would change bytes; the message begins with "File
    already exists", which twine --skip-existing and pdm recognise."""

    status = 409


class NameTaken(Refusal):
    """The project name belongs to another index; the message says which and why."""

    status = 409


class ProjectClosed(Refusal):
    """The project is archived or quarantined (PEP 792) and takes no uploads. Not a 409: twine
    --skip-existing would take that for "already exists" and report success."""

    status = 403


class FileBlocked(Refusal):
    """An admin blocked the file's project, release, filename or bytes in this deployment
    (`blocklist`). Not a 409, for the same reason as ProjectClosed."""

    status = 403


class StatusConflict(Refusal):
    """A change would give one project two statuses at once; PEP 792 gives it exactly one."""

    status = 400


class PublishFailed(Refusal):
    """The file could not be added; `retry_after` (seconds) is set when trying again later
    may succeed."""

    def __init__(self, status, message, retry_after=None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class UpstreamError(Refusal):
    """The upstream could not be read, or sent something that cannot be used.

    `status` is the answer a client gets: 504 when the upstream was too slow, else 502. The
    message is shown to clients, so it never holds credentials: URLs are redacted.
    """

    def __init__(self, message, status=502):
        super().__init__(message)
        self.status = status
