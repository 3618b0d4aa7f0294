"""Enforce name ownership on upload: no dependency confusion between a deployment's indexes.

A project name belongs to the index holding a namespace that covers it, else to the index that
first uploaded it. Uploading a name that belongs to another index is refused with 409.
"""

import re

from django.db import IntegrityError, transaction
from pulpcore.plugin.util import get_domain_pk

from .models import Namespace, ProjectOwner
from .names import prefixes_of


class NameTaken(Exception):
    """The project name belongs to another index; the message says which and why."""


def claim(repository, normalized_name):
    """Let `repository` publish `normalized_name`, recording it as the owner if nobody is;
    raise NameTaken when another index owns or reserved the name."""
    namespace = (
        Namespace.objects.filter(
            prefix__in=prefixes_of(normalized_name), pulp_domain_id=get_domain_pk()
        )
        .select_related("repository")
        .first()
    )
    if namespace is not None:
        if namespace.repository_id != repository.pk:
            raise NameTaken(
                f"Project {normalized_name!r} is in namespace {namespace.prefix!r}, reserved for "
                f"index {namespace.repository.name!r}. Publish it there."
            )
        return
    try:
        with transaction.atomic():
            owner, _created = ProjectOwner.objects.select_related("repository").get_or_create(
                normalized_name=normalized_name,
                pulp_domain_id=get_domain_pk(),
                defaults={"repository": repository},
            )
    except IntegrityError:  # a concurrent first upload won the claim
        owner = ProjectOwner.objects.select_related("repository").get(
            normalized_name=normalized_name, pulp_domain_id=get_domain_pk()
        )
    if owner.repository_id != repository.pk:
        raise NameTaken(
            f"Project {normalized_name!r} belongs to index {owner.repository.name!r}, which "
            "published it first. Publish it there (or promote it from there)."
        )


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
