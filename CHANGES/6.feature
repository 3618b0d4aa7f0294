Project names belong to one index: a PEP 752 namespace grant (`/pulp/api/v3/teamindex/namespaces/`,
non-overlapping prefixes) or the first publication owns a name, and uploads of a name owned by
another index are refused with 409; promotion carries a name to a second index.
