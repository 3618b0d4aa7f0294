"""The one filter every query of this plugin uses to stay inside the current domain.

Names, namespaces, yanks and units are per domain: a query that forgets the domain lets one
domain's index claim, reuse or hide another domain's objects. Plugin content models carry the
domain twice (pulpcore's `pulp_domain` on the master row, `_pulp_domain` on their own, for their
uniqueness constraint); the local one avoids a join.
"""

from pulpcore.plugin.util import get_domain_pk


def domain_field(model):
    return "_pulp_domain" if hasattr(model, "_pulp_domain") else "pulp_domain"


def in_domain(queryset):
    """`queryset` limited to the domain of the request or task being served."""
    return queryset.filter(**{f"{domain_field(queryset.model)}_id": get_domain_pk()})


def domain_kwargs(model):
    """Field values that put a new or looked-up object of `model` in the current domain."""
    return {f"{domain_field(model)}_id": get_domain_pk()}
