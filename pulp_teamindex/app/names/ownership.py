"""Enforce name ownership: no dependency confusion between a deployment's indexes.

A project name belongs to the index holding a namespace that covers it, else to the index that
first published it. Uploading a name that belongs to another index is refused with 409; every
other way content enters an index (promote, modify, import, rollback) is held to the same rule,
with one allowance: a file its owner published may be copied elsewhere (staging to prod).
"""

import re
from functools import partial

from django.db import transaction
from pulpcore.plugin.models import Repository, RepositoryContent
from pulpcore.plugin.util import get_domain_pk

from pulp_teamindex.app import change_feed, rows
from pulp_teamindex.app.domains import domain_kwargs, in_domain
from pulp_teamindex.app.exceptions import NameTaken
from pulp_teamindex.app.models import (
    IndexUpload,
    Namespace,
    PackageFile,
    ProjectOwner,
    TeamIndexDistribution,
)
from pulp_teamindex.app.names.prefixes import prefixes_of


def name_refusals(repository, names):
    """{name: why it is refused} for the names of `names` another index owns or reserved, in a
    few queries whatever their number (none for names this process saw the index claim);
    claims nothing: a name is claimed only by what publishes it (a repository version, see
    `refuse_foreign_files`, or an upload accepted into the journal, see `claim_for`), so an
    upload or import that fails claims nothing."""
    domain = get_domain_pk()
    unknown = {name for name in names if _claimed.get((domain, name)) != repository.pk}
    if not unknown:
        return {}
    return {name: reason for name, (_owner, reason) in _claims(repository, unknown, False).items()}


def refused_files(repository, files, claim=False):
    """{filename: why it is refused} for `files` (a PackageFile queryset: units entering
    `repository`); with `claim`, the names nobody owned become `repository`'s. A file of a name
    another index owns is accepted only when that index itself held these very bytes:
    promotion from the owner."""
    names = set(files.values_list("normalized_name", flat=True).distinct())
    refusals = _claims(repository, names, claim)
    if not refusals:
        return {}
    suspects = list(
        files.filter(normalized_name__in=list(refusals)).only("filename", "normalized_name")
    )
    published_by_owner = _publishers_of([f.pk for f in suspects])
    return {
        f.filename: refusals[f.normalized_name][1]
        for f in suspects
        if (refusals[f.normalized_name][0], f.pk) not in published_by_owner
    }


def claim_for(repository, package):
    """Raise NameTaken when `package`'s name belongs to another index (an upload gets no
    promotion allowance, whatever its bytes); else the name is `repository`'s from now on.

    A name once owned stays with its index until the index is deleted (a namespace cannot be
    granted over another index's name), so each process remembers the names it saw claimed:
    CI uploading release after release of a project asks the database once. A name nobody
    reserved is claimed (or found the index's) in two or three statements; any other goes the
    general way."""
    name = package.normalized_name
    key = (get_domain_pk(), name)
    if _claimed.get(key) == repository.pk:
        return
    if not _claim_free(repository, name):
        refusals = _claims(repository, {name}, claim=True)
        if name in refusals:
            raise NameTaken(refusals[name][1])
    transaction.on_commit(partial(_remember_claim, key, repository.pk))


def _remember_claim(key, repository_pk):
    """Only once the claim is committed: a claim rolled back must be asked for again."""
    if len(_claimed) >= MAX_REMEMBERED_CLAIMS:
        _claimed.clear()
    _claimed[key] = repository_pk


# The upload path's claim of a new name, in SQL (see `journal` for why).
RESERVED = "SELECT 1 FROM teamindex_namespace WHERE prefix = ANY(%s) AND pulp_domain_id = %s"
CLAIM = """
    INSERT INTO teamindex_projectowner
           (pulp_id, pulp_created, pulp_last_updated, normalized_name, repository_id,
            pulp_domain_id)
    VALUES (%s, now(), now(), %s, %s, %s)
    ON CONFLICT (normalized_name, pulp_domain_id) DO NOTHING RETURNING 1"""
OWNER = """
    SELECT repository_id FROM teamindex_projectowner
     WHERE normalized_name = %s AND pulp_domain_id = %s"""


def _claim_free(repository, name):
    """Claim `name` for `repository` if no namespace covers it and nobody owns it: True when
    the name is the index's now (claimed now, or owned already)."""
    domain = get_domain_pk()
    if rows.fetch(RESERVED, [list(prefixes_of(name)), domain]):
        return False
    if not rows.fetch(CLAIM, [ProjectOwner._meta.pk.default(), name, repository.pk, domain]):
        return rows.fetch(OWNER, [name, domain]) == [(repository.pk,)]
    change_feed.name_claimed(name)
    return True


MAX_REMEMBERED_CLAIMS = 100_000
_claimed = {}  # (domain pk, normalized name) -> pk of the index that owns it


def _publishers_of(unit_pks):
    """{(repository pk, unit pk)} for the units of `unit_pks` an index held or accepted."""
    held = RepositoryContent.objects.filter(content_id__in=unit_pks)
    accepted = IndexUpload.objects.filter(content_id__in=unit_pks)
    return {
        *held.values_list("repository_id", "content_id"),
        *accepted.values_list("repository_id", "content_id"),
    }


def refuse_foreign_files(repository, version):
    """Fail the new `version` if it adds a file whose name belongs to another index (see
    `refused_files`): whatever path created the version, names stay with their owners."""
    added = PackageFile.objects.filter(pk__in=version.added().values("pk"))
    if refusals := refused_files(repository, added, claim=True):
        raise NameTaken(" ".join(sorted(set(refusals.values()))))


def _claims(repository, names, claim):
    """{name: (owning repository pk, reason)} for the names of `names` that another index
    owns or reserved; with `claim`, the names nobody owned now belong to `repository`."""
    refusals, free = {}, set()
    reserved = _namespaces_covering(names)
    for name in names:
        prefix = next((p for p in prefixes_of(name) if p in reserved), None)
        if prefix is None:
            free.add(name)
        elif reserved[prefix] != repository.pk:
            refusals[name] = (reserved[prefix], partial(_reserved_reason, name, prefix))
    for name, owner in _owners_of(free, repository, claim).items():
        if owner != repository.pk:
            refusals[name] = (owner, partial(_owned_reason, name))
    if not refusals:
        return {}
    shown = _shown_names({owner for owner, _ in refusals.values()})
    return {name: (owner, why(shown[owner])) for name, (owner, why) in refusals.items()}


def _shown_names(repository_pks):
    """{pk: how a refusal names the index}: by name when it is public; a private index (one
    served behind a content guard) stays "another index", since the refused caller may not be
    allowed to read it, nor to learn which index owns the name."""
    names = dict(Repository.objects.filter(pk__in=repository_pks).values_list("pk", "name"))
    guarded = TeamIndexDistribution.objects.filter(
        repository_id__in=repository_pks, content_guard__isnull=False
    )
    private = set(guarded.values_list("repository_id", flat=True))
    return {
        pk: "another index" if pk in private else f"index {name!r}" for pk, name in names.items()
    }


def _reserved_reason(name, prefix, index):
    return f"Project {name!r} is in namespace {prefix!r}, reserved for {index}. Publish it there."


def _owned_reason(name, index):
    return (
        f"Project {name!r} belongs to {index}, which published it first. "
        "Publish it there (or promote it from there)."
    )


def _namespaces_covering(names):
    """{prefix: repository pk} of the namespaces covering any of `names`."""
    prefixes = {prefix for name in names for prefix in prefixes_of(name)}
    found = in_domain(Namespace.objects.filter(prefix__in=prefixes))
    return dict(found.values_list("prefix", "repository_id"))


def _owners_of(names, repository, claim):
    """{name: owning repository pk} for `names`; with `claim`, `repository` becomes the owner
    of those nobody owned (a concurrent first claim may win: the database keeps one owner per
    name)."""

    def owners(among):
        found = in_domain(ProjectOwner.objects.filter(normalized_name__in=among))
        return dict(found.values_list("normalized_name", "repository_id"))

    known = owners(names)
    if claim and (new := sorted(set(names) - known.keys())):
        here = domain_kwargs(ProjectOwner)
        claims = (ProjectOwner(normalized_name=n, repository=repository, **here) for n in new)
        ProjectOwner.objects.bulk_create(claims, ignore_conflicts=True)
        for name in new:  # bulk_create sends no post_save: tell the content apps here
            change_feed.name_claimed(name)
        known.update(owners(new))
    return known


def conflicting_owners(prefix, repository):
    """Names under `prefix` already owned by other indexes (they block a namespace grant)."""
    return sorted(
        in_domain(ProjectOwner.objects.all())
        .exclude(repository=repository)
        .filter(normalized_name__regex=rf"^{re.escape(prefix)}(-|$)")
        .values_list("normalized_name", flat=True)
    )


def owned_anywhere(normalized_name):
    """True when some index of the deployment owns or reserved the name: then no index may
    serve it from an upstream, whatever the upstream holds."""
    return (
        in_domain(Namespace.objects.filter(prefix__in=prefixes_of(normalized_name))).exists()
        or in_domain(ProjectOwner.objects.filter(normalized_name=normalized_name)).exists()
    )
