"""PyPI's trusted publishing endpoints, at the root of the API host as clients expect them:
`GET /_/oidc/audience`, `POST /_/oidc/mint-token` and `POST /_/oidc/burn-token` (uv,
pypa/gh-action-pypi-publish and twine's helpers derive them from the upload URL's host; uv
burns its token after the upload). Answers and errors have PyPI's shapes, so those clients
print the messages as they are."""

import json
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from pulp_teamindex.app.oidc import OidcRefusal
from pulp_teamindex.app.oidc.minting import burn, mint

MAX_BODY = 64 * 1024
log = logging.getLogger(__name__)


@require_GET
def audience(request):
    return JsonResponse({"audience": settings.TEAMINDEX_OIDC_AUDIENCE})


@csrf_exempt
@require_POST
def mint_token(request):
    try:
        token, minted = mint(_identity_token(request))
    except OidcRefusal as exc:
        log.info("trusted publishing refused (%s): %s", exc.code, exc)
        return _refused(exc)
    return JsonResponse(
        {"success": True, "token": token, "expires": int(minted.expires_at.timestamp())}
    )


@csrf_exempt
@require_POST
def burn_token(request):
    """Revoke a minted token at once, as PyPI does: 202 whether or not it was live (answering
    otherwise would tell anyone which strings are tokens)."""
    try:
        burn(_posted_token(request, "the minted token"))
    except OidcRefusal as exc:
        return _refused(exc)
    return JsonResponse({"message": "Accepted; a live token minted here is burned."}, status=202)


def _identity_token(request):
    return _posted_token(request, "OIDC identity token")


def _posted_token(request, what):
    if _declared_length(request) > MAX_BODY:
        raise OidcRefusal("invalid-payload", f"The request is over {MAX_BODY} bytes.", status=413)
    try:
        payload = json.loads(request.body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or "token" not in payload:
        raise OidcRefusal("invalid-payload", f'Send JSON {{"token": "<{what}>"}}.', status=400)
    return payload["token"]


def _declared_length(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refused(exc):
    response = JsonResponse(
        {
            "message": "Token request failed",
            "errors": [{"code": exc.code, "description": str(exc)}],
        },
        status=exc.status,
    )
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response
