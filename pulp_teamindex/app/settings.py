# Default settings of pulp_teamindex; pulpcore merges them into its own (override with PULP_*).

# Username of the service account that is the publishing authority of every team index.
# A repository's own `publisher` field overrides it for that index.
TEAMINDEX_PUBLISHER = "publisher"

# Largest distribution file accepted by an upload, in bytes.
TEAMINDEX_MAX_UPLOAD_SIZE = 100 * 1024 * 1024

# The upload journal (see pulp_teamindex.app.journal): accepted uploads are served at once and
# folded into one repository version per burst. A fold starts when the pending uploads number
# TEAMINDEX_FOLD_BATCH and TEAMINDEX_FOLD_RATIO of the index's files, else once uploads pause
# for TEAMINDEX_FOLD_DELAY seconds (pulpcore's workers look at schedules every WORKER_TTL / 3
# seconds), and at the latest TEAMINDEX_FOLD_MAX_DELAY seconds after the oldest pending upload.
TEAMINDEX_FOLD_BATCH = 100
TEAMINDEX_FOLD_RATIO = 0.1
TEAMINDEX_FOLD_DELAY = 2
TEAMINDEX_FOLD_MAX_DELAY = 60

# Seconds a change (a new version, a distribution edit) waits after its commit for every content
# app to confirm it applied it, so that a finished upload is served by all of them at once.
TEAMINDEX_CHANGE_CONFIRM_TIMEOUT = 2.0

# Origin of the REST API as clients reach it (e.g. "https://pulp.example.com"), used for the
# twine upload URL in answers built without a request (task results). Unset: the request's own
# origin where there is a request, else a path relative to the API origin.
TEAMINDEX_API_ORIGIN = None

# Answer pulp_python's paths for team indexes: `/pypi/<index>/legacy/` (twine) and
# `/pypi/<index>/simple/` (a redirect to the content app, which serves `/pypi/` itself too).
# Ignored when pulp_python is installed: the paths are then its own.
TEAMINDEX_PYPI_PATHS = True

# Upstream indexes (a repository's `upstream`). Seconds a project page fetch may take in all,
# and the longest an upstream may stall while sending a file.
TEAMINDEX_UPSTREAM_TIMEOUT = 5.0
# Seconds a file download from an upstream may take in all.
TEAMINDEX_UPSTREAM_FILE_TIMEOUT = 300.0
# Largest upstream page, largest upstream file, and largest core metadata file (PEP 658, read
# within TEAMINDEX_UPSTREAM_TIMEOUT and kept in the database), in bytes.
TEAMINDEX_UPSTREAM_MAX_PAGE_SIZE = 10 * 1024 * 1024
TEAMINDEX_UPSTREAM_MAX_FILE_SIZE = 1024 * 1024 * 1024
TEAMINDEX_UPSTREAM_MAX_METADATA_SIZE = 1024 * 1024
# Requests one process sends to one upstream host at once; more wait (within their deadline).
TEAMINDEX_UPSTREAM_CONCURRENCY = 4
# Seconds an upstream project page is served from memory before it is read again.
TEAMINDEX_UPSTREAM_TTL = 300.0
# The minimum age of an upstream file before an index lists or serves it (issue #25): "0" (none),
# or a whole number and one unit, s, m, h, d or w ("90m", "12h", "3d"). Counted from the
# upstream's upload time, or from when the index first saw a file whose time is unknown. A
# repository's `upstream_cooldown` overrides it for that index; an admin or owner of an index may
# grant exceptions per project or release. An index's own uploads are never held back.
TEAMINDEX_UPSTREAM_COOLDOWN = "0"
# While an upstream fails (a timeout, a refused connection, a 5xx, an unusable page), a project
# page is served from the last good read of it for at most this many seconds after that read,
# marked with `X-Teamindex-Stale: <seconds since the read>`; later, the 502 or 504. 0: never.
TEAMINDEX_UPSTREAM_STALE_MAX = 86400.0
# With object storage: files up to this size are read from the store once and then served from
# each content process's memory, within TEAMINDEX_OBJECT_CACHE_SIZE bytes in all (objects never
# change, so a kept copy is never stale); larger ones are redirected to or streamed from it.
TEAMINDEX_OBJECT_CACHE_MAX_FILE = 4 * 1024 * 1024
TEAMINDEX_OBJECT_CACHE_SIZE = 256 * 1024 * 1024
# Seconds a signed object-store URL, to which a larger file's download is redirected, stays
# valid (S3, Azure and GCS backends; it replaces their own expiry for these redirects). It is a
# bearer link to one private file: it keeps working this long after its reader loses the role.
TEAMINDEX_OBJECT_URL_LIFETIME = 30
# Everything one upload or download does with the object store (connect, read, retries, read
# back) answers within TEAMINDEX_STORE_DEADLINE seconds, plus one second per
# TEAMINDEX_STORE_MIN_RATE bytes it moves; past that the client gets a 503 with Retry-After. After
# TEAMINDEX_STORE_BREAKER_FAILURES such failures in a row a process refuses uploads and store
# downloads at once, until a probe every TEAMINDEX_STORE_PROBE_INTERVAL seconds gets an answer
# (`store.deadline`). Keep the deadline well below gunicorn's timeout and clients' (pip: 15 s).
TEAMINDEX_STORE_DEADLINE = 5.0
TEAMINDEX_STORE_MIN_RATE = 16 * 1024 * 1024
TEAMINDEX_STORE_BREAKER_FAILURES = 3
TEAMINDEX_STORE_PROBE_INTERVAL = 2.0

# Hosts an import by URL (`import` with `url`, asked for by an index's publisher) may reach
# besides public addresses. A host that is, or resolves to, a loopback, private, link-local,
# multicast, reserved or unspecified address (IPv4 or IPv6, IPv4-mapped included) is refused
# unless named here: host names ("pypi.corp.example"), addresses ("10.1.2.3", "::1") or
# networks ("10.1.0.0/16"); any port of them. Applied after DNS, on every redirect and to every
# file URL of the pages. An index's `upstream`, which only an admin sets, is not restricted.
TEAMINDEX_IMPORT_ALLOWED_HOSTS = []

# Trusted publishing (docs/publishing.md): CI exchanges a short-lived OIDC identity token for an
# upload token at `/_/oidc/mint-token`. The audience CI asks its issuer for (policies may name
# their own); the lifetime of a minted token (at most 15 minutes); the signature algorithms
# accepted; how long an issuer's keys are kept, and the least time between two fetches of them
# (a token signed with an unknown key fetches them again, for key rotation); the deadline of one
# fetch; a CA bundle for issuers whose certificates a private CA signed (Kubernetes API servers),
# trusted in addition to the public roots. TEAMINDEX_OIDC_PROVIDERS: the issuer of each provider
# preset (`oidc.presets`), the only issuers an index owner's policies may name (GitHub Enterprise
# Server: https://<host>/_services/token; self-managed GitLab: its URL).
TEAMINDEX_OIDC_PROVIDERS = {
    "github": "https://token.actions.githubusercontent.com",
    "gitlab": "https://gitlab.com",
}
TEAMINDEX_OIDC_AUDIENCE = "pulp-teamindex"
TEAMINDEX_OIDC_TOKEN_LIFETIME = 900
TEAMINDEX_OIDC_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
TEAMINDEX_OIDC_KEYS_TTL = 3600.0
TEAMINDEX_OIDC_KEYS_MIN_INTERVAL = 30.0
TEAMINDEX_OIDC_FETCH_TIMEOUT = 5.0
TEAMINDEX_OIDC_CA_BUNDLE = None

# PEP 740 attestations (docs/publishing.md, `provenance`): the Sigstore trust root that
# attestations sent by trusted publishers are verified against, as the path of a
# `trusted_root.json` (or a client trust config holding one). None: the public-good instance's
# root as the installed sigstore-python ships it (never fetched at request time).
TEAMINDEX_SIGSTORE_TRUST_ROOT = None

# Failed-login backoff (access/backoff.py), on every password login: after
# TEAMINDEX_LOGIN_BACKOFF_AFTER different wrong passwords for an account from one client
# address, that account's logins from that address are refused (429) without a password check
# for TEAMINDEX_LOGIN_BACKOFF_DELAY seconds, twice as long after each further failure, at most
# TEAMINDEX_LOGIN_BACKOFF_MAX_DELAY. A success, or TEAMINDEX_LOGIN_BACKOFF_WINDOW seconds
# without failures after the last failure or wait, clears it. Other addresses are not affected,
# so nobody can lock the account's owner out. AFTER = 0 turns the backoff off.
TEAMINDEX_LOGIN_BACKOFF_AFTER = 5
TEAMINDEX_LOGIN_BACKOFF_DELAY = 30.0
TEAMINDEX_LOGIN_BACKOFF_MAX_DELAY = 900.0
TEAMINDEX_LOGIN_BACKOFF_WINDOW = 900.0
# Reverse proxies in front of the API and content app that append the client's address to
# X-Forwarded-For (nginx: `proxy_add_x_forwarded_for`). 0: the connection's peer is the client
# and X-Forwarded-For, which any client can write, is ignored.
TEAMINDEX_CLIENT_PROXIES = 0
# The backoff's backend comes first: it refuses before any backend checks a password.
AUTHENTICATION_BACKENDS = "@insert 0 pulp_teamindex.app.access.login_backoff.LoginBackoffBackend"

DRF_ACCESS_POLICY = {
    "dynaconf_merge_unique": True,
    "reusable_conditions": ["pulp_teamindex.app.access.conditions"],
}
# The download record (who fetched which file of which index, counted per hour; the blast
# radius of a blocked file): kept TEAMINDEX_DOWNLOAD_RECORD_DAYS days (0: nothing is recorded),
# written by each content process every TEAMINDEX_DOWNLOAD_RECORD_FLUSH seconds, counting at most
# TEAMINDEX_DOWNLOAD_RECORD_MAX_PENDING distinct (hour, index, file, reader, client) between two
# writes (more are dropped, and logged).
TEAMINDEX_DOWNLOAD_RECORD_DAYS = 90
TEAMINDEX_DOWNLOAD_RECORD_FLUSH = 10.0
TEAMINDEX_DOWNLOAD_RECORD_MAX_PENDING = 50_000

# A database connection lost under a request (PostgreSQL restarting) answers 503 with
# Retry-After, not 500, and the connection is dropped; an upload retries once first
# (pulp_teamindex.app.db_outage). Outermost, so it sees what every other layer answered.
MIDDLEWARE = "@insert 0 pulp_teamindex.app.db_outage.DatabaseOutageMiddleware"

# Leftovers of crashes (pulp_teamindex.app.sweeper): media files no artifact row names, spool
# files of uploads whose process died (FILE_UPLOAD_TEMP_DIR), working directories of dead
# workers, and the unpublished units of failed imports. Nothing younger than
# TEAMINDEX_SWEEP_GRACE seconds is touched. Swept every TEAMINDEX_SWEEP_INTERVAL seconds by a
# task (0: never on a schedule) and by `pulpcore-manager teamindex-sweep`.
TEAMINDEX_SWEEP_GRACE = 3600
TEAMINDEX_SWEEP_INTERVAL = 3600
