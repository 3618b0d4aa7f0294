from django.conf import settings
from django.urls import path

from .endpoints import upload_prefix
from .legacy_upload import LegacyUploadView

_DOMAIN = "<slug:pulp_domain>/" if settings.DOMAIN_ENABLED else ""

urlpatterns = [
    path(
        f"{upload_prefix()}{_DOMAIN}<path:path>/legacy/",
        LegacyUploadView.as_view(),
        name="teamindex-legacy-upload",
    ),
]
