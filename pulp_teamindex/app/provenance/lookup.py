"""The provenance of the files a version serves: the `Provenance` units the version holds,
and, for the latest version's readers, those of the uploads journaled after it (`journal`).
One query for all the files of a page, one for a single file's provenance object."""

from django.db.models import Q

from pulp_teamindex.app.models import Provenance, journaled_after, members_of


def units(version, with_journal, filenames):
    """The Provenance units covering `filenames` in `version` (with its journal)."""
    held = Q(pk__in=members_of(version, Provenance).filter(filename__in=filenames).values("pk"))
    if with_journal:
        journaled = journaled_after(version.repository_id, version.number).filter(
            filename__in=filenames, provenance__isnull=False
        )
        held |= Q(pk__in=journaled.values("provenance_id"))
    return Provenance.objects.filter(held)


def attested(version, with_journal, files):
    """The names of `files` ({filename: sha256}) that have provenance, for a page's links."""
    found = units(version, with_journal, list(files)).values_list("filename", "sha256")
    return {name for name, sha256 in found if files.get(name) == sha256}


def document(version, with_journal, filename, sha256):
    """The provenance object of the file `filename` with digest `sha256`, or None."""
    found = units(version, with_journal, [filename]).filter(sha256=sha256)
    return found.order_by("-pulp_created").values_list("provenance", flat=True).first()
