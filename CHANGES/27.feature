Every index answers PyPI's JSON API at `<index>/pypi/<project>/json` and
`<index>/pypi/<project>/<version>/json` (Renovate and other PyPI tools read it unchanged), built
from the core metadata stored with each file and following the simple API's rules (private
indexes, yanks, quarantines, blocks, cooldown). `GET /pulp/api/v3/teamindex/search/?q=` finds
projects by name or summary in every index the caller may read.
