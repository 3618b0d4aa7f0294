"""Who manages which trusted publisher policies.

Admins (`teamindex.<action>_trustedpublisher` at model or domain level) write any policy, for
any issuer. An owner of an index (who may change it) manages the policies of that index only,
and only within `policies.owner_errors`: a provider preset, the issuer the deployment names for
it, an exact identity. The index's publisher account does not, even when it owns the index: a
stolen publisher password could otherwise plant a policy for the thief's CI that outlives the
password change.
"""

from pulp_teamindex.app.access import index_admin
from pulp_teamindex.app.upload.gate import may_publish

CHANGE_INDEX = index_admin.CHANGE


def is_admin(user, action, domain):
    """`user` holds `teamindex.<action>_trustedpublisher` at model or domain level."""
    perm = f"teamindex.{action}_trustedpublisher"
    return user.has_perm(perm) or user.has_perm(perm, domain)


def owns(user, repository, domain):
    """`user` may manage the policies of `repository` as its owner."""
    return index_admin.administers(user, repository, domain) and not may_publish(user, repository)
