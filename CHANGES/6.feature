Project names belong to one index: a PEP 752 namespace grant (`/pulp/api/v3/teamindex/namespaces/`,
non-overlapping prefixes) or the first publication owns a name, and uploads of a name owned by
another index are refused with 409; promotion carries a name to a second index.
A team index may name an `upstream` simple index: projects no index owns are served from it
through a cache that fetches only the URLs the upstream listed and checks the sha256 it listed;
owned or reserved names are never served from upstream. Audit: `<index>shadowed/` lists owned
names the upstream also offers, `<index>refusals/` every refused upload with who and why.
