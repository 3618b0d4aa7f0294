"""twine's upload endpoint (the legacy PyPI upload API) for a team index.

`POST <API_ROOT>teamindex/<base_path>/legacy/` with HTTP Basic auth. The answer is final: 200
means the file is published (recorded in the index's journal, see `journal`) and every content
app serves it; 409 means the filename is taken by other bytes (twine --skip-existing
understands it); 400 says what is wrong with the file.
"""

from django.conf import settings
from django.http import HttpResponse
from pulpcore.plugin.util import get_domain_pk
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from pulp_teamindex.app import rows
from pulp_teamindex.app.distfiles import inspect_distribution
from pulp_teamindex.app.domains import in_domain
from pulp_teamindex.app.exceptions import InvalidDistribution, Refusal
from pulp_teamindex.app.models import TeamIndexDistribution, TeamIndexRepository
from pulp_teamindex.app.nul_paths import has_nul
from pulp_teamindex.app.oidc.scope import project_refusal
from pulp_teamindex.app.provenance.upload import provenance_of_upload
from pulp_teamindex.app.upload.auth import (
    BasicOrTokenAuthentication,
    token_refusal,
    uploader_of,
)
from pulp_teamindex.app.upload.form import check_action, check_claims, hexdigests
from pulp_teamindex.app.upload.gate import may_publish, publisher_for
from pulp_teamindex.app.upload.multipart import PlainFilenameMultiPartParser, UploadSpaceFull
from pulp_teamindex.app.upload.reason_phrase import with_reason_phrase
from pulp_teamindex.app.upload.refusals import record_refusal
from pulp_teamindex.app.upload.storing import RETRY_AFTER, publish


class LegacyUploadView(APIView):
    # Basic first: DRF answers 401 with its challenge only when the first authenticator has one.
    authentication_classes = [BasicOrTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [PlainFilenameMultiPartParser]
    # Without domains, pulpcore's domain middleware would look up the one default domain on
    # every upload (a query and half a millisecond); pulpcore keeps that domain cached.
    skip_domain_middleware = not settings.DOMAIN_ENABLED

    def post(self, request, path, pulp_domain=None):
        if (too_big := _declared_too_big(request)) is not None:
            return too_big
        base_path = path.strip("/")
        repository = _repository_at(base_path)
        response = self._answer(request, base_path, repository)
        if 400 <= response.status_code < 500:
            upload = request.FILES.get("content") if response.status_code != 413 else None
            record_refusal(
                repository,
                upload.name if upload else "",
                response.status_code,
                response.content.decode().strip(),
                request.user,
            )
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        """twine, hatch, pdm and flit print only the status line of a refusal, so it carries
        the explanation too (as PyPI does); the body keeps it for everyone else."""
        response = super().finalize_response(request, response, *args, **kwargs)
        return with_reason_phrase(response)

    def _answer(self, request, base_path, repository):
        if not may_publish(request.user, repository):
            return _text(
                403,
                f"User {request.user.get_username()!r} may not publish to index "
                f"{base_path!r}; only the service account "
                f"{publisher_for(repository)!r} may.",
            )
        if refusal := token_refusal(request, repository):
            return _text(403, refusal)
        try:
            return self._publish(request, repository)
        except UploadSpaceFull as exc:
            return _text(507, str(exc.detail), RETRY_AFTER)
        except ParseError as exc:
            return _text(400, str(exc.detail))
        except Refusal as exc:
            return _text(exc.status, str(exc), getattr(exc, "retry_after", None))

    def _publish(self, request, repository):
        form = request.data
        check_action(form)
        upload = request.FILES.get("content")
        if upload is None:
            raise InvalidDistribution("The upload has no file: send it in the 'content' field.")
        if upload.size > settings.TEAMINDEX_MAX_UPLOAD_SIZE:
            return _too_big(f"{upload.name} is {upload.size} bytes")
        path = upload.temporary_file_path()
        info = inspect_distribution(path, upload.name, sha256=upload.hashers["sha256"].hexdigest())
        check_claims(form, info, hexdigests(upload.claimed_against))
        if refusal := project_refusal(request.auth, repository, info.normalized_name):
            return _text(403, refusal)
        provenance = provenance_of_upload(form, request.auth, repository, info)
        publish(repository, upload, info, uploader_of(request), provenance)
        return _text(200, f"OK: {info.filename} is published.")


# Room for the form fields twine sends beside the file.
FORM_OVERHEAD = 1024 * 1024


def _declared_too_big(request):
    """Refuse from the Content-Length alone, before the body is read or spooled to disk."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length > settings.TEAMINDEX_MAX_UPLOAD_SIZE + FORM_OVERHEAD:
        return _too_big(f"The upload is {length} bytes")
    return None


def _too_big(what):
    return _text(
        413,
        f"{what}; this index accepts files up to {settings.TEAMINDEX_MAX_UPLOAD_SIZE} bytes "
        "(setting TEAMINDEX_MAX_UPLOAD_SIZE).",
    )


def _repository_at(base_path):
    """The team index served at `base_path`, in one query; a 404 that says why otherwise."""
    if has_nul(base_path):
        raise NotFound("No team index is served at a path containing a NUL character.")
    domain, pulp_type = get_domain_pk(), TeamIndexDistribution.get_pulp_type()
    if repository := rows.first(TeamIndexRepository, _SERVED_AT, [base_path, domain, pulp_type]):
        return repository
    if in_domain(TeamIndexDistribution.objects.filter(base_path=base_path)).exists():
        raise NotFound(
            f"Index {base_path!r} serves a fixed snapshot and takes no uploads; "
            "publish to the index that serves the repository's latest version."
        )
    raise NotFound(f"No team index is served at {base_path!r}.")


_SERVED_AT = """repository_ptr_id = (
    SELECT repository_id FROM core_distribution
     WHERE base_path = %s AND pulp_domain_id = %s AND pulp_type = %s)"""


def _text(status, message, retry_after=None):
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
