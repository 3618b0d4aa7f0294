"""The audit of refused uploads: what an index's publishing authority sent and why it was
refused, for the index's owners (`<repository>refusals/`)."""

from pulp_teamindex.app.models import UploadRefusal
from pulp_teamindex.app.nul_paths import NUL
from pulp_teamindex.app.upload.gate import may_publish

MAX_REASON = 2000


def record_refusal(repository, filename, status, reason, user):
    """Keep a refused upload for the index's audit, when `user` may publish there: what its
    publishing authority sent is worth a look; anybody else's attempt was refused at the gate
    and would only let any account flood another team's log."""
    if not may_publish(user, repository):
        return
    UploadRefusal.objects.create(
        repository=repository,
        filename=_printable(filename or "")[:255],
        status=status,
        reason=_printable(reason)[:MAX_REASON],
        username=user.get_username(),
    )


def _printable(text):
    """PostgreSQL stores no NUL character; a client may send one in a filename."""
    return text.replace(NUL, "\\x00")
