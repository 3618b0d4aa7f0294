Private (RBAC-guarded) indexes are served from the content app's memory like public ones: a
granted `Authorization` header is remembered per guard and forgotten on every content app, before
the change completes, whenever a user, group, role, guard or distribution changes. Missing or
wrong credentials get 401 with a `Basic` challenge (so pip's and uv's keyring support works);
a known user without access gets 403 saying so.
Read tokens: an API token with `"scope": "read"` lets CI install from the private indexes it
names (`__token__` as user), acting as its user there only; it cannot publish, and revoking it
takes effect on the next request.
