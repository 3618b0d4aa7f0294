from django.conf import settings
from django.urls import path, re_path

from pulp_teamindex.app.endpoints import PYPI_PREFIX, pypi_paths_enabled, upload_prefix
from pulp_teamindex.app.oidc import views as oidc
from pulp_teamindex.app.simple.pypi_alias import SimpleRedirectView
from pulp_teamindex.app.upload.legacy_api import LegacyUploadView

_DOMAIN = "<slug:pulp_domain>/" if settings.DOMAIN_ENABLED else ""
_DOMAIN_RE = r"(?P<pulp_domain>[-a-zA-Z0-9_]+)/" if settings.DOMAIN_ENABLED else ""

urlpatterns = [
    # PyPI's trusted publishing endpoints, at the host's root where clients look for them
    path("_/oidc/audience", oidc.audience, name="teamindex-oidc-audience"),
    path("_/oidc/mint-token", oidc.mint_token, name="teamindex-oidc-mint-token"),
    path("_/oidc/burn-token", oidc.burn_token, name="teamindex-oidc-burn-token"),
    path(
        f"{upload_prefix()}{_DOMAIN}<path:path>/legacy/",
        LegacyUploadView.as_view(),
        name="teamindex-legacy-upload",
    ),
]
if pypi_paths_enabled():
    urlpatterns += [
        path(
            f"{PYPI_PREFIX}{_DOMAIN}<path:path>/legacy/",
            LegacyUploadView.as_view(),
            name="teamindex-pypi-legacy-upload",
        ),
        re_path(
            rf"^{PYPI_PREFIX}{_DOMAIN_RE}(?P<path>.+?)/simple/(?P<rest>.*)$",
            SimpleRedirectView.as_view(),
            name="teamindex-pypi-simple",
        ),
    ]
