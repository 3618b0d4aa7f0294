"""Enforce name ownership on upload: no dependency confusion between a deployment's indexes.

A project name belongs to the index holding a namespace that covers it, else to the index that
first uploaded it. Uploading a name that belongs to another index is refused with 409.
"""

import re

from pulpcore.plugin.util import get_domain_pk

from .change_feed import notify_changed
from .freshness import owner_message
from .models import Namespace, ProjectOwner
from .names import prefixes_of


class NameTaken(Exception):
    """The project name belongs to another index; the message says which and why."""


def claim(repository, normalized_name):
    """Let `repository` publish `normalized_name`, recording it as the owner if nobody is;
    raise NameTaken when another index owns or reserved the name."""
    if reason := claim_all(repository, [normalized_name]).get(normalized_name):
        raise NameTaken(reason)


def claim_all(repository, names):
    """Claim every name of `names` for `repository` in a few queries, whatever their number;
    return {name: why it is refused} for the names another index owns or reserved."""
    domain = get_domain_pk()
    refusals, free = {}, set()
    reserved = _namespaces_covering(names, domain)
    for name in names:
        namespace = next((reserved[p] for p in prefixes_of(name) if p in reserved), None)
        if namespace is None:
            free.add(name)
        elif namespace.repository_id != repository.pk:
            refusals[name] = (
                f"Project {name!r} is in namespace {namespace.prefix!r}, reserved for "
                f"index {namespace.repository.name!r}. Publish it there."
            )
    for owner in _owners_of(free, repository, domain):
        if owner.repository_id != repository.pk:
            refusals[owner.normalized_name] = (
                f"Project {owner.normalized_name!r} belongs to index {owner.repository.name!r}, "
                "which published it first. Publish it there (or promote it from there)."
            )
    return refusals


def _namespaces_covering(names, domain):
    prefixes = {prefix for name in names for prefix in prefixes_of(name)}
    found = Namespace.objects.filter(prefix__in=prefixes, pulp_domain_id=domain)
    return {namespace.prefix: namespace for namespace in found.select_related("repository")}


def _owners_of(names, repository, domain):
    """The owners of `names`, making `repository` the owner of those nobody owned (a
    concurrent first claim may win: the database keeps one owner per name)."""

    def owners(among):
        found = ProjectOwner.objects.filter(normalized_name__in=among, pulp_domain_id=domain)
        return {owner.normalized_name: owner for owner in found.select_related("repository")}

    known = owners(names)
    if new := sorted(set(names) - known.keys()):
        claims = (
            ProjectOwner(normalized_name=n, pulp_domain_id=domain, repository=repository)
            for n in new
        )
        ProjectOwner.objects.bulk_create(claims, ignore_conflicts=True)
        for name in new:  # bulk_create sends no post_save: tell the content apps here
            notify_changed(owner_message(name))
        known.update(owners(new))
    return known.values()


def conflicting_owners(prefix, repository):
    """Names under `prefix` already owned by other indexes (they block a namespace grant)."""
    return sorted(
        ProjectOwner.objects.filter(pulp_domain_id=get_domain_pk())
        .exclude(repository=repository)
        .filter(normalized_name__regex=rf"^{re.escape(prefix)}(-|$)")
        .values_list("normalized_name", flat=True)
    )


def owned_anywhere(normalized_name):
    """True when some index of the deployment owns or reserved the name: then no index may
    serve it from an upstream, whatever the upstream holds."""
    domain = get_domain_pk()
    return (
        Namespace.objects.filter(
            prefix__in=prefixes_of(normalized_name), pulp_domain_id=domain
        ).exists()
        or ProjectOwner.objects.filter(
            normalized_name=normalized_name, pulp_domain_id=domain
        ).exists()
    )
