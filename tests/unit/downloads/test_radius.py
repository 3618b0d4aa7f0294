from types import SimpleNamespace

from django.db.models import Q

from pulp_teamindex.app.downloads.radius import named_by


def _block(kind, value):
    return SimpleNamespace(kind=kind, value=value)


def test_a_block_names_the_downloads_of_what_it_withholds():
    assert named_by(_block("project", "evil")) == Q(project="evil")
    assert named_by(_block("filename", "evil-1.0.tar.gz")) == Q(filename="evil-1.0.tar.gz")
    assert named_by(_block("sha256", "a" * 64)) == Q(sha256="a" * 64)


def test_a_release_is_matched_in_its_canonical_form():
    # the record keeps canonical versions: 1.0.0 is written 1
    assert named_by(_block("release", "evil==1.0.0")) == Q(project="evil", version="1")
