"""Where a team index is reached: the URL pip reads and the URL twine uploads to."""

from django.conf import settings

SIMPLE_DIR = "simple/"


def upload_prefix():
    """Path prefix of the twine upload API on the API server (under API_ROOT)."""
    return settings.API_ROOT.lstrip("/") + "teamindex/"


def _domain_part(distribution):
    return f"{distribution.pulp_domain.name}/" if settings.DOMAIN_ENABLED else ""


def index_url(distribution):
    """The simple repository API root served by the content app."""
    origin = (settings.CONTENT_ORIGIN or "").rstrip("/")
    prefix = settings.CONTENT_PATH_PREFIX.strip("/")
    base = distribution.base_path.strip("/")
    return f"{origin}/{prefix}/{_domain_part(distribution)}{base}/{SIMPLE_DIR}"


def upload_url(distribution, request=None):
    """The legacy upload endpoint twine posts to: absolute when the API origin is configured or
    a request tells it."""
    path = (
        f"/{upload_prefix()}{_domain_part(distribution)}{distribution.base_path.strip('/')}/legacy/"
    )
    if settings.TEAMINDEX_API_ORIGIN:
        return settings.TEAMINDEX_API_ORIGIN.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path
