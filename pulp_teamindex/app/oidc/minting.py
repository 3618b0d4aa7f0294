"""The exchange: a verified identity token for a publish token scoped to the indexes whose
trusted publisher policies it matches.

The minted token acts as those indexes' publishing authority (the publisher gate stays the one
rule for uploads), expires within TEAMINDEX_OIDC_TOKEN_LIFETIME (at most 15 minutes), is stored
as a digest like every token, and keeps the identity's claims for the audit. Each identity
token is exchanged once: its `jti` is kept until it expires. The token may publish only the
projects the matched policies name (`scope`), and the client burns it when its upload is done.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from pulp_teamindex.app.models import IdentityTokenUse, PublishToken, TrustedPublisher
from pulp_teamindex.app.oidc import OidcRefusal, verify
from pulp_teamindex.app.oidc.policies import audience_of, matches
from pulp_teamindex.app.oidc.scope import token_projects
from pulp_teamindex.app.upload import tokens
from pulp_teamindex.app.upload.gate import publisher_for

MAX_LIFETIME = 900
MAX_MINTED = 1024  # characters: a minted token is 47
# The claims kept with a minted token: who the CI identity was and which run asked (and what a
# PEP 740 attestation's certificate must say: `provenance.identity`).
AUDIT_CLAIMS = (
    "iss", "sub", "jti", "repository", "repository_id", "repository_owner", "ref", "sha",
    "workflow_ref", "job_workflow_ref", "environment", "run_id", "run_attempt", "actor",
    "project_path", "project_id", "pipeline_id", "job_id", "user_login", "ci_config_ref_uri",
)  # fmt: skip


def mint(identity_token):
    """(token, PublishToken) for `identity_token`; OidcRefusal says why not."""
    issuer = verify.unverified_issuer(identity_token)
    policies = list(TrustedPublisher.objects.filter(issuer=issuer).select_related("repository"))
    if not policies:
        raise OidcRefusal(
            "invalid-publisher", f"No trusted publisher of this index accepts issuer {issuer!r}."
        )
    audiences = {audience_of(p) for p in policies}
    unsigned = verify.unsigned_claims(identity_token, issuer, audiences)
    _matched(policies, unsigned)
    _not_used_yet(issuer, unsigned)
    claims = verify.verified_claims(identity_token, issuer, audiences)
    matched = _matched(policies, claims)
    user = _publisher_account(matched)
    with transaction.atomic():
        _use_once(issuer, claims)
        return _issue(user, matched, claims)


def _matched(policies, claims):
    """The policies `claims` satisfy. Checked on the unsigned claims first, so that only a token
    that would be accepted can make the index fetch its issuer's keys, then on the verified
    ones (the same claims, now known to be the issuer's)."""
    matched = [p for p in policies if matches(p, claims)]
    if not matched:
        raise OidcRefusal(
            "invalid-publisher",
            "The token is well formed and current, but no trusted publisher matches its identity "
            f"({_identity(claims)}). An index admin can add a policy for it.",
        )
    return matched


def _not_used_yet(issuer, claims):
    """Refuse a replayed token before its signature is checked (and its keys maybe fetched);
    _use_once still decides, atomically, when the token is exchanged."""
    used = IdentityTokenUse.objects.filter(
        issuer=issuer, jti=str(claims["jti"]), expires_at__gte=timezone.now()
    )
    if used.exists():
        raise _replayed()


def _publisher_account(matched):
    """The one account that publishes to every matched index (a token acts as one user)."""
    names = {publisher_for(p.repository) for p in matched}
    domains = {p.pulp_domain_id for p in matched}
    if len(names) != 1 or None in names or len(domains) != 1:
        indexes = ", ".join(sorted(p.repository.name for p in matched))
        raise OidcRefusal(
            "invalid-publisher",
            f"The policies matching this identity cover indexes ({indexes}) with different "
            "publisher accounts or domains; narrow them so that one token can cover them.",
        )
    user = get_user_model().objects.filter(username=names.pop(), is_active=True).first()
    if user is None:
        raise OidcRefusal(
            "invalid-publisher", "The publisher account of the matched indexes is not active."
        )
    return user


def _use_once(issuer, claims):
    IdentityTokenUse.objects.filter(expires_at__lt=timezone.now()).delete()
    expires = datetime.fromtimestamp(claims["exp"] + verify.LEEWAY, tz=UTC)
    try:
        with transaction.atomic():
            IdentityTokenUse.objects.create(
                issuer=issuer, jti=str(claims["jti"]), expires_at=expires
            )
    except IntegrityError:
        raise _replayed() from None


def _replayed():
    return OidcRefusal(
        "invalid-token", "This identity token was exchanged already; ask the issuer for a new one."
    )


def _issue(user, matched, claims):
    plaintext, digest, prefix = tokens.new_token()
    lifetime = min(settings.TEAMINDEX_OIDC_TOKEN_LIFETIME, MAX_LIFETIME)
    kept = {k: claims[k] for k in AUDIT_CLAIMS if k in claims}
    kept["policies"] = sorted(f"{p.repository.name}/{p.name}" for p in matched)
    token = PublishToken.objects.create(
        name=f"trusted publishing: {_identity(claims)}",
        scope="publish",
        user=user,
        digest=digest,
        prefix=prefix,
        expires_at=timezone.now() + timedelta(seconds=lifetime),
        claims=kept,
        projects=token_projects(matched),
        pulp_domain_id=matched[0].pulp_domain_id,
    )
    token.repositories.set([p.repository for p in matched])
    return plaintext, token


def burn(plaintext):
    """Revoke the token trusted publishing minted as `plaintext`, if it is one and still live;
    the caller learns nothing either way (whoever holds a token may end it, nobody may probe
    for one). Every upload looks its token up afresh, so the next one is refused."""
    if not isinstance(plaintext, str) or not plaintext or len(plaintext) > MAX_MINTED:
        raise OidcRefusal(
            "invalid-payload",
            f"Send the minted token as a string of at most {MAX_MINTED} characters.",
            status=400,
        )
    PublishToken.objects.filter(
        digest=tokens.digest_of(plaintext), revoked_at__isnull=True
    ).exclude(claims={}).update(revoked_at=timezone.now())


def _identity(claims):
    """A short description of who the token speaks for, built from its own claims."""
    for key in ("repository", "project_path"):
        if isinstance(claims.get(key), str):
            ref = claims.get("ref", "")
            run = claims.get("run_id") or claims.get("pipeline_id") or ""
            return f"{key}={claims[key]!r} ref={ref!r}" + (f" run={run}" if run else "")
    return f"sub={claims.get('sub')!r}"
