"""`/pypi/<index>/simple/...` on the API server: a redirect to the index in the content app.

Pulp deployments route every path outside the content prefix to the API, so a team that used
pulp_python's `/pypi/<index>/simple/` URL keeps working with no proxy change: one redirect per
page, after which pip and uv resolve file links against the content app's URL. A proxy rule that
sends `/pypi/` to the content app saves the redirect (docs/admin-guide.md).
"""

from django.http import HttpResponseRedirect
from django.views import View

from pulp_teamindex.app.endpoints import SIMPLE_DIR, content_url


class SimpleRedirectView(View):
    def get(self, request, path, rest, pulp_domain=None):
        domain = f"{pulp_domain}/" if pulp_domain else ""
        target = content_url(f"{domain}{path.strip('/')}/{SIMPLE_DIR}{rest}")
        if query := request.META.get("QUERY_STRING"):
            target += f"?{query}"
        return HttpResponseRedirect(target)

    head = get
