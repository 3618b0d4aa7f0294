"""Where a team index is reached: the URL pip reads and the URL twine uploads to."""

from django.conf import settings

SIMPLE_DIR = "simple/"
# pulp_python's URL prefix: `/pypi/<index>/simple/` (pip, uv) and `/pypi/<index>/legacy/`
# (twine), answered for team indexes too so that teams moving over change no client settings.
PYPI_PREFIX = "pypi/"


def upload_prefix():
    """Path prefix of the twine upload API on the API server (under API_ROOT)."""
    return settings.API_ROOT.lstrip("/") + "teamindex/"


def pypi_paths_enabled():
    """Whether the API answers `/pypi/...` for team indexes: on by setting, and never when
    pulp_python is installed beside us, since those paths are its own."""
    theirs = any(app.split(".")[0] == "pulp_python" for app in settings.INSTALLED_APPS)
    return settings.TEAMINDEX_PYPI_PATHS and not theirs


def content_url(path):
    """`path` under the content app, absolute when CONTENT_ORIGIN is set."""
    origin = (settings.CONTENT_ORIGIN or "").rstrip("/")
    return f"{origin}/{settings.CONTENT_PATH_PREFIX.strip('/')}/{path}"


def _domain_part(distribution):
    return f"{distribution.pulp_domain.name}/" if settings.DOMAIN_ENABLED else ""


def index_url(distribution):
    """The simple repository API root served by the content app."""
    base = distribution.base_path.strip("/")
    return content_url(f"{_domain_part(distribution)}{base}/{SIMPLE_DIR}")


def upload_url(distribution, request=None):
    """The legacy upload endpoint twine posts to: absolute when the API origin is configured or
    a request tells it."""
    path = (
        f"/{upload_prefix()}{_domain_part(distribution)}{distribution.base_path.strip('/')}/legacy/"
    )
    if settings.TEAMINDEX_API_ORIGIN:
        return settings.TEAMINDEX_API_ORIGIN.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path
