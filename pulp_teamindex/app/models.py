"""Database models: a distribution file, a team index (repository), its publication and
distribution. Logic beyond what pulpcore's hooks require lives in plain modules."""

import re
from logging import getLogger

from aiohttp.web import HTTPNotFound, Response
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Upper
from django.utils import timezone
from pulpcore.plugin.models import (
    AutoAddObjPermsMixin,
    BaseModel,
    Content,
    Distribution,
    Publication,
    Repository,
    RepositoryContent,
)
from pulpcore.plugin.util import get_domain_pk

from pulp_teamindex.app.distfiles import SDIST, WHEEL

log = getLogger(__name__)

PACKAGES_DIR = "packages/"
VERSIONED_PATH = re.compile(r"^versions/(?P<number>\d+)/(?P<rest>.*)$")
METADATA_SUFFIX = ".metadata"


class PackageFile(Content):
    """One distribution file (wheel or sdist) with what the simple API serves about it.

    Immutable like all content: a yank or a removal is a new repository version, never an edit.
    """

    TYPE = "package"
    repo_key_fields = ("filename",)
    PACKAGE_TYPES = ((WHEEL, WHEEL), (SDIST, SDIST))

    filename = models.TextField(db_index=True)
    name = models.TextField()
    normalized_name = models.TextField(db_index=True)
    version = models.TextField()
    packagetype = models.CharField(max_length=16, choices=PACKAGE_TYPES)
    requires_python = models.TextField(default="", blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField()
    upload_time = models.DateTimeField(default=timezone.now)
    metadata = models.BinaryField(editable=False)
    metadata_sha256 = models.CharField(max_length=64, default="", blank=True)
    summary = models.TextField(default="", blank=True)  # core metadata's, for search
    _pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.PROTECT)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("filename", "sha256", "_pulp_domain")


class SearchTerm(models.Model):
    """A project name with one summary some file of it has: what search matches, a row per
    project (and summary) rather than per file, so a query that matches every project reads
    thousands of rows, not every file. Filled by a database trigger on each new PackageFile
    (migration 0019), so every way a file enters is covered; whether a term's files are served
    in an index the caller may read is asked of the files themselves (`search.query`)."""

    normalized_name = models.TextField()
    summary = models.TextField()

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("normalized_name", "summary")
        indexes = [  # pg_trgm: substrings of names and summaries, any case
            GinIndex(fields=["normalized_name"], opclasses=["gin_trgm_ops"], name="ti_term_name"),
            GinIndex(OpClass(Upper("summary"), name="gin_trgm_ops"), name="ti_term_summary"),
        ]


class Yank(Content):
    """Marks the file `filename` yanked (PEP 592) in the versions that hold this unit.

    A yank is content rather than a flag so that yanking and unyanking are repository versions
    like any other change: audited, and undone by a rollback.
    """

    TYPE = "yank"
    repo_key_fields = ("filename",)

    filename = models.TextField(db_index=True)
    reason = models.TextField(default="", blank=True)
    _pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.PROTECT)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("filename", "reason", "_pulp_domain")


class ProjectStatus(Content):
    """The PEP 792 status of project `normalized_name` (archived, deprecated, quarantined) in
    the versions that hold this unit; a project without one is `active`.

    Content, like a yank, so that setting or clearing a status is a repository version:
    audited, undone by a rollback, promoted like files. A version holds at most one per
    project (`versions.RULES`); `project_status` holds what each status means.
    """

    TYPE = "project_status"
    repo_key_fields = ("normalized_name",)
    STATUSES = (
        ("archived", "archived"),
        ("deprecated", "deprecated"),
        ("quarantined", "quarantined"),
    )

    normalized_name = models.TextField(db_index=True)
    status = models.CharField(max_length=16, choices=STATUSES)
    reason = models.TextField(default="", blank=True)
    _pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.PROTECT)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("normalized_name", "status", "reason", "_pulp_domain")


class Provenance(Content):
    """The PEP 740 provenance object of the file `filename` with digest `sha256`: its
    attestations, verified when a trusted publisher uploaded it (`provenance`), grouped by
    publisher. Content, so that a version holds a file's provenance beside the file: promote
    and rollback carry it with the file, and a removal takes it away (`versions`). A version
    holds at most one per filename."""

    TYPE = "provenance"
    repo_key_fields = ("filename",)

    filename = models.TextField(db_index=True)
    sha256 = models.CharField(max_length=64)  # of the file it covers
    provenance = models.JSONField()
    digest = models.CharField(max_length=64)  # sha256 of the provenance object's JSON
    _pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.PROTECT)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("filename", "sha256", "digest", "_pulp_domain")


def members_of(version, model=None):
    """`model` (PackageFile by default) units of `version`, found through memberships.

    pulpcore's `version.content` unnests the version's whole id array on every query; a project
    page needs only the few rows of one name, so filter memberships instead (indexed).
    """
    memberships = RepositoryContent.objects.filter(
        repository_id=version.repository_id, version_added__number__lte=version.number
    ).filter(Q(version_removed__isnull=True) | Q(version_removed__number__gt=version.number))
    return (model or PackageFile).objects.filter(pk__in=memberships.values("content_id"))


def packages_in(version, with_journal=False, **filters):
    """The files of `version` matching `filters`; `with_journal` adds the uploads accepted
    after it (the latest version's readers see them: see `journal`).

    Pass the filters here rather than filtering the result: with the journal, each side of the
    union is filtered first, so a project page reads a few rows, not every membership of the
    index (3.2 ms per page at 100,000 files; 44 ms when the union was filtered afterwards)."""
    files = members_of(version, PackageFile).filter(**filters)
    if not with_journal:
        return files
    accepted = PackageFile.objects.filter(
        pk__in=journaled_after(version.repository_id, version.number).values("content_id"),
        **filters,
    )
    either = Q(pk__in=files.values("pk")) | Q(pk__in=accepted.values("pk"))
    return PackageFile.objects.filter(either, **filters)


def journaled_after(repository_pk, number):
    """Uploads of the repository not folded into a version up to `number`: pending ones, and
    those folded by a later version (a reader of version `number` still counts them)."""
    return IndexUpload.objects.filter(repository_id=repository_pk).filter(
        Q(folded_number__isnull=True) | Q(folded_number__gt=number)
    )


def memberships_of_unit(repository):
    """The memberships of the unit at OuterRef("pk") in `repository`, in any version."""
    return RepositoryContent.objects.filter(repository_id=repository.pk, content_id=OuterRef("pk"))


def ever_held(repository):
    """Files `repository` holds or once held: a filename among them keeps its bytes forever."""
    return PackageFile.objects.filter(Exists(memberships_of_unit(repository)))


class TeamIndexRepository(Repository, AutoAddObjPermsMixin):
    """A team's package index. Every change (upload, removal, yank) is a new version."""

    TYPE = "teamindex"
    CONTENT_TYPES = [PackageFile, Yank, ProjectStatus, Provenance]

    publisher = models.TextField(null=True, blank=True)
    upstream = models.TextField(null=True, blank=True)
    # the minimum age of upstream files served (`cooldown`); None: TEAMINDEX_UPSTREAM_COOLDOWN
    upstream_cooldown = models.TextField(null=True, blank=True)
    # refuse uploads that carry no valid PEP 740 attestation (`provenance`)
    require_provenance = models.BooleanField(default=False)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        permissions = [
            ("modify_teamindexrepository", "Can modify content of the repository"),
            ("manage_roles_teamindexrepository", "Can manage roles on team index repositories"),
            ("repair_teamindexrepository", "Can repair repository versions"),
        ]

    # What every new version must satisfy, and who hears of it: installed by the app config
    # from `versions`, which builds on these models (so this module need not import it).
    version_rules = ()
    version_listeners = ()
    fold_journal = None  # `journal.fold`, installed the same way

    def new_version(self, base_version=None):
        """Uploads accepted before any other change are folded into a version of their own
        first: versions keep the order in which the index changed."""
        if self.fold_journal is not None:
            self.fold_journal(self)
        return super().new_version(base_version)

    def on_new_version(self, version):
        super().on_new_version(version)
        for listener in self.version_listeners:
            listener(self, version)

    def finalize_new_version(self, new_version):
        for rule in self.version_rules:
            rule(self, new_version)


class IndexUpload(BaseModel):
    """One file accepted by the twine endpoint: the index's journal while `folded_number` is
    null (served with the latest version), and its history afterwards (who uploaded what,
    when, into which version). See `journal` for why uploads do not each make a version."""

    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="uploads"
    )
    content = models.ForeignKey(PackageFile, null=True, on_delete=models.SET_NULL)
    # the file's verified attestations, folded into the version with it
    provenance = models.ForeignKey(
        "Provenance", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.TextField()
    normalized_name = models.TextField()
    sha256 = models.CharField(max_length=64)
    uploader = models.TextField(default="", blank=True)
    folded_number = models.PositiveIntegerField(null=True)  # the version that took it in

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        indexes = [
            models.Index(fields=["repository", "normalized_name"]),
            models.Index(fields=["repository", "filename"]),
            models.Index(
                fields=["repository"],
                condition=Q(folded_number__isnull=True),
                name="teamindex_upload_pending",
            ),
        ]


class TeamIndexPublication(Publication, AutoAddObjPermsMixin):
    """A frozen snapshot of a team index version that a distribution can serve."""

    TYPE = "teamindex"

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        permissions = [
            ("manage_roles_teamindexpublication", "Can manage roles on team index publications"),
        ]


class TeamIndexDistribution(Distribution, AutoAddObjPermsMixin):
    """Serves a team index at `<content origin><prefix><base_path>/`.

    The simple API pages are answered by routes in `content.py` (they need the request's Accept
    header); this handler serves the files and their PEP 658 metadata, and answers 404 for
    anything else so the content app never lists raw directories.
    """

    TYPE = "teamindex"
    SERVE_FROM_PUBLICATION = False

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        permissions = [
            ("manage_roles_teamindexdistribution", "Can manage roles on team index distributions"),
        ]

    def serving_version(self):
        """The repository version this distribution serves now, or None."""
        _repository, version, publication = self.get_repository_publication_and_version()
        if publication is not None:
            return publication.repository_version
        return version

    def resolve(self, path):
        """(version, rest of path): `versions/<n>/...` addresses version n of the index, for
        audits and reproducible installs; anything else, the version served now."""
        version = self.serving_version()
        if match := VERSIONED_PATH.match(path):
            number, path = int(match["number"]), match["rest"]
            version = (
                version.repository.versions.filter(number=number, complete=True).first()
                if version
                else None
            )
        return version, path

    def content_handler(self, path):
        latest = self.repository_id is not None and not VERSIONED_PATH.match(path)
        version, path = self.resolve(path)
        if not path.startswith(PACKAGES_DIR):
            raise HTTPNotFound()
        filename = path[len(PACKAGES_DIR) :]
        want_metadata = filename.endswith(METADATA_SUFFIX)
        if want_metadata:
            filename = filename[: -len(METADATA_SUFFIX)]
        if version is None or "/" in filename:
            raise HTTPNotFound()
        package = packages_in(version, latest, filename=filename).first()
        if package is None:  # an upstream's files are served by content.simple_api, never here
            raise HTTPNotFound()
        if want_metadata:
            if not package.metadata_sha256:
                raise HTTPNotFound()
            return Response(body=bytes(package.metadata), content_type="text/plain")
        return package.contentartifact_set.select_related("artifact", "artifact__pulp_domain").get()


class PublishToken(BaseModel):
    """An API token that acts as its user, only on the indexes it is scoped to: to publish
    (`scope` "publish", on the upload endpoint) or to read a private index ("read", in the
    content app).

    Only the SHA-256 of the token is stored; `prefix` is the part shown in listings.
    """

    SCOPES = (("publish", "publish"), ("read", "read"))

    name = models.TextField()
    scope = models.CharField(max_length=16, choices=SCOPES, default="publish")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="teamindex_tokens"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=32, editable=False)
    repositories = models.ManyToManyField(TeamIndexRepository, related_name="publish_tokens")
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # minted by trusted publishing: the identity's claims and the policies that matched them
    claims = models.JSONField(default=dict, blank=True, editable=False)
    # minted by trusted publishing: {repository pk: normalized project names, or None for any};
    # an index missing from it takes nothing. None (every other token): any project.
    projects = models.JSONField(null=True, blank=True, editable=False)
    pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.CASCADE)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"


class Namespace(BaseModel):
    """A PEP 752 namespace grant: `prefix` (normalized) and every `prefix-*` name belong to
    `repository`; nobody else may upload them."""

    prefix = models.TextField()
    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="namespaces"
    )
    pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.CASCADE)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("prefix", "pulp_domain")


class ProjectOwner(BaseModel):
    """The index that first published a project name owns it, until that index is deleted."""

    normalized_name = models.TextField()
    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="owned_projects"
    )
    pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.CASCADE)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("normalized_name", "pulp_domain")


class UpstreamFile(BaseModel):
    """A file an upstream index listed for a project this index does not own: where to fetch
    it (the upstream's own URL, never one from a request), the digest it must have, and the
    artifact once it has been fetched and verified.

    What the first listing said stays (`names.upstream_records`): the digest, the upload time
    (None when the upstream gave no possible one: `pulp_created`, when this index first saw
    the file, stands for it) and the core metadata's digest (set once, when first advertised);
    the metadata itself is kept once fetched and checked against that digest."""

    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="upstream_files"
    )
    filename = models.TextField()
    url = models.TextField()
    sha256 = models.CharField(max_length=64)
    artifact = models.ForeignKey("core.Artifact", null=True, on_delete=models.SET_NULL)
    upload_time = models.DateTimeField(null=True)
    metadata_sha256 = models.CharField(max_length=64, default="", blank=True)
    metadata = models.BinaryField(null=True, editable=False)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("repository", "filename")


class UpstreamRead(BaseModel):
    """The last good read of an upstream project page by an index: when, the status it
    stated, and what it said of each file that may change (yanked, requires-python, size), as
    [filename, requires_python, yanked, size] lists. While the upstream fails, the page is
    served from this and the files' `UpstreamFile` rows (TEAMINDEX_UPSTREAM_STALE_MAX)."""

    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="upstream_reads"
    )
    normalized_name = models.TextField()
    read_at = models.DateTimeField()
    status = models.TextField(null=True)  # None: the page stated none
    status_reason = models.TextField(default="", blank=True)
    files = models.JSONField(default=list)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("repository", "normalized_name")


class UploadRefusal(BaseModel):
    """An upload this index refused: kept so that every refusal can be audited."""

    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="upload_refusals"
    )
    filename = models.TextField()
    status = models.PositiveSmallIntegerField()
    reason = models.TextField()
    username = models.TextField(default="", blank=True)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"


class TrustedPublisher(BaseModel):
    """A trusted publisher policy: identity tokens of `issuer`, for `audience`, whose claims
    match `claims` (see `oidc.policies`) may be exchanged for a short-lived token that
    publishes to `repository`."""

    name = models.TextField()
    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="trusted_publishers"
    )
    issuer = models.TextField(db_index=True)
    audience = models.TextField(default="", blank=True)  # "": TEAMINDEX_OIDC_AUDIENCE
    claims = models.JSONField(default=dict)
    provider = models.TextField(default="", blank=True)  # a preset of `oidc.presets`, or ""
    projects = models.JSONField(default=list, blank=True)  # normalized names; []: any project
    pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.CASCADE)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("repository", "name")


class IdentityTokenUse(BaseModel):
    """An identity token already exchanged (its issuer and `jti`), kept until it expires so
    that a stolen copy cannot be exchanged again."""

    issuer = models.TextField()
    jti = models.TextField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("issuer", "jti")


class LoginFailure(BaseModel):
    """The recent failed logins of one account from one client address (`access.backoff`),
    kept here so that every API and content process slows the same guesser down. `username` is
    as it was sent, whether or not such an account exists, so that the backoff tells nobody
    which accounts exist."""

    username = models.TextField()
    client = models.TextField()  # an address, or an IPv6 /64 network
    failures = models.PositiveIntegerField(default=0)
    guesses = models.JSONField(default=list)  # short digests of the wrong passwords counted
    blocked_until = models.DateTimeField(null=True)
    forget_at = models.DateTimeField(db_index=True)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        unique_together = ("username", "client")


class Block(BaseModel):
    """A deployment-wide block, the incident switch for what teams do not own (a compromised
    upstream release, a malicious sdist): while it is active (`lifted_at` unset) no index lists
    or serves what it names, and nothing brings it into any index (`blocklist`). A block is
    never deleted: lifting it keeps who blocked, who lifted and when, for the audit."""

    KINDS = ("project", "release", "filename", "sha256")

    kind = models.CharField(max_length=16, choices=[(k, k) for k in KINDS])
    value = models.TextField()  # normalized (blocklist.rules.normalized)
    project = models.TextField(db_index=True)  # the project it names; "" for a sha256
    reason = models.TextField()
    blocked_by = models.TextField()
    lifted_at = models.DateTimeField(null=True)
    lifted_by = models.TextField(default="", blank=True)
    pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.CASCADE)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value", "pulp_domain"],
                condition=Q(lifted_at__isnull=True),
                name="teamindex_one_active_block",
            )
        ]


class CooldownException(BaseModel):
    """Lets an index serve the upstream files of a project, or of one release, before its
    cooldown has passed (`cooldown`), until `expires_at`. Granted by an admin or an owner of the
    index, with a reason; never deleted: revoking keeps who granted, who revoked and when, and
    an expired exception stays listed, for the audit."""

    repository = models.ForeignKey(
        TeamIndexRepository, on_delete=models.CASCADE, related_name="cooldown_exceptions"
    )
    value = models.TextField()  # `<project>` or `<project>==<version>`, normalized
    project = models.TextField()
    version = models.TextField(default="", blank=True)  # canonical (PEP 440); "": every release
    reason = models.TextField()
    expires_at = models.DateTimeField()
    granted_by = models.TextField()
    revoked_at = models.DateTimeField(null=True)
    revoked_by = models.TextField(default="", blank=True)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        indexes = [models.Index(fields=["repository", "project"], name="teamindex_cooldown_lookup")]


class Download(BaseModel):
    """Who fetched a file from an index, counted per hour: the record an incident responder
    reads when a file turns out to be compromised (`downloads`). Written by the content apps in
    batches, off the request path; rows older than TEAMINDEX_DOWNLOAD_RECORD_DAYS are deleted.
    Names are kept as text, so that the record outlives the index, user or token it names."""

    repository = models.ForeignKey(
        TeamIndexRepository, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    index_name = models.TextField()
    project = models.TextField()  # normalized
    version = models.TextField()  # canonical (PEP 440)
    filename = models.TextField()
    sha256 = models.CharField(max_length=64)
    user = models.TextField(default="", blank=True)  # "": anonymous
    token = models.TextField(default="", blank=True)  # a read token's prefix
    client = models.TextField(default="", blank=True)  # the client address (`access.clients`)
    hour = models.DateTimeField()  # the start of the hour counted
    count = models.BigIntegerField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    pulp_domain = models.ForeignKey("core.Domain", default=get_domain_pk, on_delete=models.CASCADE)

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "repository", "filename", "user", "token", "client"],
                name="teamindex_download_per_hour",
            )
        ]
        indexes = [
            models.Index(fields=["sha256", "hour"], name="teamindex_download_sha256"),
            models.Index(fields=["project", "hour"], name="teamindex_download_project"),
            models.Index(fields=["hour"], name="teamindex_download_hour"),
        ]


class ImportStaging(models.Model):
    """A unit an import task created and has not published yet. An import commits its files
    batch by batch and publishes them in one version at its end; the rows go with that
    version's commit. Rows of a task that failed (or whose worker was killed) name what it
    left behind, which `sweeper.imports` removes."""

    task_id = models.UUIDField(db_index=True)
    unit = models.ForeignKey(PackageFile, on_delete=models.CASCADE, related_name="+")

    class Meta:
        default_related_name = "%(app_label)s_%(model_name)s"
