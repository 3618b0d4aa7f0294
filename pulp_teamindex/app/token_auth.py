"""HTTP Basic authentication that also accepts publish tokens (`__token__` / token)."""

from django.utils import timezone
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .models import PublishToken
from .tokens import TOKEN_USERNAME, digest_of, unusable_reason


class BasicOrTokenAuthentication(BasicAuthentication):
    """Basic auth whose challenge names the index, so an anonymous twine gets a 401 it can
    answer with credentials; username `__token__` authenticates with a publish token."""

    www_authenticate_realm = "pulp_teamindex"

    def authenticate_credentials(self, userid, password, request=None):
        if userid != TOKEN_USERNAME:
            return super().authenticate_credentials(userid, password, request)
        token = (
            PublishToken.objects.select_related("user").filter(digest=digest_of(password)).first()
        )
        if token is None:
            raise AuthenticationFailed("Invalid API token.")
        if reason := unusable_reason(token, timezone.now()):
            raise AuthenticationFailed(reason)
        if not token.user.is_active:
            raise AuthenticationFailed("The token's user is inactive.")
        PublishToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token


def token_refusal(request, repository):
    """A message when the request's token does not cover `repository`, else None."""
    token = request.auth
    if not isinstance(token, PublishToken):
        return None
    if not token.repositories.filter(pk=repository.pk).exists():
        return f"API token {token.prefix}… is not valid for index {repository.name!r}."
    return None
