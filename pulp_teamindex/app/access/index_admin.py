"""Decisions that belong to the deployment's admins, not to whoever owns an index.

Owning an index (its owner role: view, change, delete, manage roles) lets a team describe it,
label it, and manage who else owns or reads it. Who may publish to it (`publisher`) and where
the names nobody here owns come from (`upstream`) decide what every installer of the index
receives: an owner who could set them could make themselves the publisher, or point the index
at an index they control. So does how old an upstream file must be before the index serves it
(`upstream_cooldown`), the deployment's defence against a freshly compromised release. They
need `teamindex.change_teamindexrepository` at model or domain level, the same as namespace
grants need `teamindex.add_namespace` there. Exceptions to the cooldown, one project or release
at a time, until a given time, are an owner's call too, but never the publisher's.

The same holds for where an index is served. Its distribution's base path is the URL every
installer of the index has configured, and only admins create distributions: an owner who could
move one could squat a free path (a name another team is about to get, `simple`, `numpy`), or
free the old one for someone else to take. Moving a distribution needs
`teamindex.change_teamindexdistribution` at model or domain level; an owner keeps the rest of
its distribution (labels, roles, the content guard, re-pointing within what it may read).
"""

ADMIN_FIELDS = ("publisher", "upstream", "upstream_cooldown")
CHANGE = "teamindex.change_teamindexrepository"
CHANGE_DISTRIBUTION = "teamindex.change_teamindexdistribution"


def is_index_admin(user, domain):
    """`user` may change any index of `domain`: model-level or domain-level permission."""
    return user.has_perm(CHANGE) or user.has_perm(CHANGE, domain)


def administers(user, repository, domain):
    """`user` is an admin of `domain`'s indexes or an owner of `repository` (the permission to
    change it, at any level): who may lift a quarantine the publisher may not."""
    return is_index_admin(user, domain) or user.has_perm(CHANGE, repository)


def admin_fields_changed(instance, data):
    """The fields of ADMIN_FIELDS that `data` sets to a value other than `instance`'s (any
    value when there is no instance yet); an empty value and null are the same."""
    return [
        field
        for field in ADMIN_FIELDS
        if field in data and (data[field] or None) != (getattr(instance, field, None) or None)
    ]


def refusal(fields):
    """Why a non-admin may not set `fields`, in words a person can act on."""
    return (
        f"Only an admin may set {' and '.join(fields)} of an index: who publishes to it, "
        "where its unowned names come from and how old they must be are deployment decisions, "
        "not part of owning the index. Ask an admin (teamindex.change_teamindexrepository at "
        "model or domain level)."
    )


def moves(distribution, base_path):
    """`base_path` would move an existing `distribution` elsewhere."""
    return distribution is not None and base_path != distribution.base_path


def may_move(user, domain):
    """`user` may move any distribution of `domain`: model-level or domain-level permission."""
    return user.has_perm(CHANGE_DISTRIBUTION) or user.has_perm(CHANGE_DISTRIBUTION, domain)


def move_refusal(distribution):
    """Why a non-admin may not move `distribution`, in words a person can act on."""
    return (
        f"Only an admin may move index {distribution.base_path!r} to another base path: it is "
        "the URL every installer of the index uses, and a path it takes or frees is a URL "
        "other teams may rely on. Ask an admin (teamindex.change_teamindexdistribution at "
        "model or domain level)."
    )


def may_grant_cooldown_exception(user, repository, domain, publishes):
    """`user` may grant or revoke exceptions to `repository`'s cooldown: an admin, or an owner
    who is not its publisher (`publishes`). A stolen publisher account, or another team, must
    not be able to wave a fresh upstream release into the index."""
    if is_index_admin(user, domain):
        return True
    return user.has_perm(CHANGE, repository) and not publishes
