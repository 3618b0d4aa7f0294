"""Trusted publishing: CI trades a short-lived OIDC identity token for a short-lived upload token.

`keys` fetches and keeps each issuer's signing keys, `verify` checks a token's signature and
time claims, `policies` matches its claims against the indexes' trusted publishers, `minting`
records the exchange and issues the token, and `views` speaks PyPI's endpoints. Only issuers an
admin named in a policy are ever contacted, so a token cannot send the index to a URL of its
choosing.
"""


class OidcRefusal(Exception):
    """A token exchange refused: `code` as PyPI names it, the message for a person, the status."""

    def __init__(self, code, message, status=422, retry_after=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.retry_after = retry_after
