"""The rules that keep a version's provenance beside its files, whatever made the version.

A `Provenance` unit means something only next to the file it covers: a version holds at most
one per filename (the newest added wins), none for a file it does not hold (a removal takes the
file's provenance with it; a provenance added without its file is dropped), and an index with
`require_provenance` takes no new file without one (a REST upload, promote, modify or import
too, not only twine's endpoint). Each rule reads only what the version changed.
"""

from django.db.models import Exists, OuterRef
from pulpcore.plugin.models import RepositoryContent

from pulp_teamindex.app.exceptions import InvalidDistribution
from pulp_teamindex.app.models import PackageFile, Provenance, members_of
from pulp_teamindex.app.upload.gate import may_publish


def provenance_follows_files(repository, new_version):
    """One provenance per filename, and only beside the very file (name and bytes) it covers."""
    added = Provenance.objects.filter(pk__in=new_version.added().values("pk"))
    newest = {p.filename: p for p in added.only("filename", "sha256")}
    removed_files = PackageFile.objects.filter(pk__in=new_version.removed().values("pk"))
    gone = set(removed_files.values_list("filename", flat=True))
    names = set(newest) | gone
    if not names:
        return
    held = dict(
        members_of(new_version, PackageFile)
        .filter(filename__in=list(names))
        .values_list("filename", "sha256")
    )
    stale = members_of(new_version, Provenance).filter(filename__in=list(names))
    keep = [p.pk for name, p in newest.items() if held.get(name) == p.sha256]
    new_version.remove_content(stale.exclude(pk__in=keep))


def refuse_files_without_provenance(repository, new_version):
    """An index that requires provenance takes no new file without it, however it enters. A
    fold's uploads passed this when they were accepted; a file the index held before (a
    rollback, a restored file) is not new."""
    if not repository.cast().require_provenance or getattr(new_version, "folds_journal", False):
        return
    added = PackageFile.objects.filter(pk__in=new_version.added().values("pk"))
    held_before = RepositoryContent.objects.filter(
        repository_id=repository.pk, content_id=OuterRef("pk")
    ).exclude(version_added=new_version)
    attested = members_of(new_version, Provenance).filter(
        filename=OuterRef("filename"), sha256=OuterRef("sha256")
    )
    missing = added.exclude(Exists(held_before)).exclude(Exists(attested))
    names = sorted(missing.values_list("filename", flat=True)[:5])
    if names:
        raise InvalidDistribution(
            f"Index {repository.name!r} requires PEP 740 provenance with every file, and "
            f"{', '.join(names)} has none here. Publish it through trusted publishing with "
            "attestations, or promote it from an index that holds its provenance."
        )


RULES = (provenance_follows_files, refuse_files_without_provenance)

PUBLISHER_REFUSAL = (
    "The index's publisher account may not change require_provenance: a stolen publishing "
    "credential must not be able to turn off the index's demand for attestations. Ask an "
    "owner or an admin of the index."
)


def publisher_may_not_change(user, repository, data):
    """Whether `user`, the index's publishing authority, would change `require_provenance`
    (an owner's or an admin's decision, never the publisher's, even when it owns the index)."""
    if repository is None or "require_provenance" not in data:
        return False
    if bool(data["require_provenance"]) == repository.require_provenance:
        return False
    return may_publish(user, repository)
