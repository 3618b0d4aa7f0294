"""Who may do what, for every REST path the plugin adds or inherits (read from the live OpenAPI
schema, so a new endpoint without a row here fails the test), by persona:

    anon     no credentials
    norole   a logged-in user with no roles
    reader   a user with the viewer role on index B
    owner    a user with the owner roles on index A's repository and distribution
    pub      the service account that publishes index A
    token    a publish token scoped to A (twine's `__token__`)
    admin    the superuser

Index A is public; index B is private (content guard) and holds a secret file: no answer to a
persona that may not read B contains its filename, project name or sha256.
"""

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests
from distgen import wheel
from helpers import (
    Client,
    account,
    fold,
    legacy_post,
    make_index,
    minted_token,
    trust_policy,
)
from sigstore_root import github_identity

PERSONAS = ("anon", "norole", "reader", "owner", "pub", "token", "admin")
MAY_READ_B = {"reader", "admin"}
PASSWORD = "Authz-test-pass-42!"
VIEWER = "teamindex.teamindexrepository_viewer"


@dataclass
class World:
    """The module's indexes, users and objects; `href` names every object a case targets."""

    clients: dict
    href: dict
    secrets: list
    a: dict
    b: dict
    names: dict = field(default_factory=dict)


def _user(admin, name):
    created = admin.post("users/", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    return created.json()["pulp_href"]


def _role(admin, href, role, user):
    added = admin.post(href + "add_role/", json={"role": role, "users": [user]})
    assert added.status_code == 201, added.text


def _log_in(client):
    """Trade Basic auth for a session: one password hash per persona, not one per request
    (the matrix sends hundreds)."""
    assert client.post("login/").status_code == 201
    client.session.auth = None
    client.session.headers["X-CSRFToken"] = client.session.cookies["csrftoken"]


def _upload(index, user, path):
    response = legacy_post(index, (user, PASSWORD), path.name, path.read_bytes())
    assert response.status_code == 200, response.text


def _unit(admin, index, model="packages"):
    """The one unit of `model` in the index's latest version."""
    latest = _latest(admin, index)
    found = admin.get(f"content/teamindex/{model}/", params={"repository_version": latest})
    [unit] = found.json()["results"]
    return unit["pulp_href"]


def _latest(admin, index):
    return admin.get(index["repository"]["pulp_href"]).json()["latest_version_href"]


def _attested_upload(pulp, admin, index, path, github, sigstore, tag):
    """Upload `path` to `index` through trusted publishing, with a PEP 740 attestation, so
    that the index holds its provenance; the policy is removed and the token burned after."""
    repository = f"authz/{tag}"
    workflow_ref = f"{repository}/.github/workflows/release.yml@refs/tags/v1.0.0"
    policy = trust_policy(admin, index, github, {"repository": repository})
    identity = github.token(
        repository=repository,
        sub=f"repo:{repository}:ref:refs/tags/v1.0.0",
        workflow_ref=workflow_ref,
        job_workflow_ref=workflow_ref,
    )
    token = minted_token(pulp, identity)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    attestation = sigstore.attest(
        path.name, digest, github_identity(github.url, repository=repository)
    )
    form = {"attestations": json.dumps([attestation])}
    sent = legacy_post(index, ("__token__", token), path.name, path.read_bytes(), form)
    assert sent.status_code == 200, sent.text
    requests.post(f"{pulp.api_url}/_/oidc/burn-token", json={"token": token}, timeout=30)
    admin.delete(policy["pulp_href"])


@pytest.fixture(scope="module")
def world(pulp, admin, tmp_path_factory, provider_issuers, private_sigstore):
    tag = uuid.uuid4().hex[:6]
    names = {p: f"authz-{p}-{tag}" for p in ("norole", "reader", "owner", "pub", "pubb")}
    users = [_user(admin, name) for name in names.values()]
    a = make_index(admin, publisher=names["pub"])
    b = make_index(admin, publisher=names["pubb"])
    spare = make_index(admin)
    doomed = make_index(admin)
    files = tmp_path_factory.mktemp("authz")
    public = wheel(files, f"authz-public-{tag}", "1.0")
    secret = wheel(files, f"authz-secret-{tag}", "1.0", body=b"TOKEN = 'private'\n")
    _upload(a, names["pub"], public)
    # B's secret file comes with its provenance (PEP 740), which is as private as the file
    _attested_upload(pulp, admin, b, secret, provider_issuers["github"], private_sigstore, tag)
    fold(admin, a)  # b's is folded by its yank
    refused = legacy_post(b, (names["pubb"], PASSWORD), "broken-1.0-py3-none-any.whl", b"x")
    assert refused.status_code == 400
    pubb = Client(pulp, names["pubb"], PASSWORD)
    pubb.ok(pubb.post(b["repository"]["pulp_href"] + "yank/", json={"filenames": [secret.name]}))
    deprecated = {"project": f"authz-secret-{tag}", "status": "deprecated"}
    pubb.ok(pubb.post(b["repository"]["pulp_href"] + "set_project_status/", json=deprecated))

    guard = admin.post("contentguards/core/rbac/", json={"name": f"authz-{tag}"}).json()
    _role(admin, guard["pulp_href"], "core.rbaccontentguard_downloader", names["reader"])
    admin.ok(
        admin.patch(b["distribution"]["pulp_href"], json={"content_guard": guard["pulp_href"]})
    )
    _role(admin, b["repository"]["pulp_href"], VIEWER, names["reader"])
    _role(
        admin, a["repository"]["pulp_href"], "teamindex.teamindexrepository_owner", names["owner"]
    )
    _role(
        admin,
        a["distribution"]["pulp_href"],
        "teamindex.teamindexdistribution_owner",
        names["owner"],
    )

    def publication(index):
        task = admin.ok(
            admin.post(
                "publications/teamindex/teamindex/",
                json={"repository_version": _latest(admin, index)},
            )
        )
        return task["created_resources"][0]

    def token(user, index):
        issued = admin.post(
            "teamindex/tokens/",
            json={
                "name": "authz",
                "user": user,
                "repositories": [index["repository"]["pulp_href"]],
            },
        )
        assert issued.status_code == 201, issued.text
        return issued.json()

    def namespace(prefix, index):
        made = admin.post(
            "teamindex/namespaces/",
            json={"prefix": prefix, "repository": index["repository"]["pulp_href"]},
        )
        assert made.status_code == 201, made.text
        return made.json()["pulp_href"]

    def block():
        made = admin.post("teamindex/blocks/", json={**_block_body(), "reason": "authz"})
        assert made.status_code == 201, made.text
        return made.json()["pulp_href"]

    def download(index, filename):
        """The record of a download of `filename` from `index` (written within a second)."""
        url = index["distribution"]["base_url"] + "packages/" + filename
        assert requests.get(url, timeout=30).status_code == 200
        for _ in range(100):
            found = admin.get(DOWNLOADS, params={"filename": filename}).json()["results"]
            if found:
                return found[0]["pulp_href"]
            time.sleep(0.1)
        raise AssertionError(f"no download of {filename} was recorded")

    def cooldown_exception(index):
        made = admin.post(EXCEPTIONS, json=_exception_body(index))
        assert made.status_code == 201, made.text
        return made.json()["pulp_href"]

    def trusted_publisher(index, spec=None):
        made = admin.post(
            "teamindex/trusted-publishers/",
            json={
                "name": f"authz-{uuid.uuid4().hex[:6]}",
                "repository": index["repository"]["pulp_href"],
                **(spec or {"issuer": "https://issuer.invalid", "claims": {"repository": "a/b"}}),
            },
        )
        assert made.status_code == 201, made.text
        return made.json()["pulp_href"]

    token_a = token(names["pub"], a)
    spare_dist = admin.ok(
        admin.post(
            "distributions/teamindex/teamindex/",
            json={
                "name": f"authz-spare-{tag}",
                "base_path": f"authz-spare-{tag}",
                "repository": spare["repository"]["pulp_href"],
            },
        )
    )["created_resources"][0]
    clients = {
        "anon": Client(pulp, None, None),
        "norole": Client(pulp, names["norole"], PASSWORD),
        "reader": Client(pulp, names["reader"], PASSWORD),
        "owner": Client(pulp, names["owner"], PASSWORD),
        "pub": Client(pulp, names["pub"], PASSWORD),
        "token": Client(pulp, "__token__", token_a["token"]),
        "admin": account(pulp, "admin"),
    }
    clients["anon"].session.auth = None
    for persona in ("norole", "reader", "owner", "pub", "admin"):
        _log_in(clients[persona])
    href = {
        "a.repo": a["repository"]["pulp_href"],
        "a.dist": a["distribution"]["pulp_href"],
        "a.version": _latest(admin, a),
        "a.version0": a["repository"]["pulp_href"] + "versions/0/",
        "a.unit": _unit(admin, a),
        "a.pub": publication(a),
        "b.repo": b["repository"]["pulp_href"],
        "b.dist": b["distribution"]["pulp_href"],
        "b.version": _latest(admin, b),
        "b.unit": _unit(admin, b),
        "b.yank": _unit(admin, b, "yanks"),
        "b.status": _unit(admin, b, "project_statuses"),
        "b.provenance": _unit(admin, b, "provenance"),
        "b.pub": publication(b),
        "b.guard": guard["pulp_href"],
        "spare.repo": spare["repository"]["pulp_href"],
        "doomed.repo": doomed["repository"]["pulp_href"],
        "spare.dist": spare_dist,
        "spare.pub": publication(spare),
        "ns": namespace(f"authz-ns-{tag}", b),
        "spare.ns": namespace(f"authz-spare-{tag}", spare),
        "token": token_a["pulp_href"],
        "spare.token": token(names["pub"], a)["pulp_href"],
        "spare.token2": token(names["pub"], a)["pulp_href"],
        "spare.token3": token(names["pub"], a)["pulp_href"],
        "tp": trusted_publisher(a),
        "spare.tp": trusted_publisher(spare),
        "owned.tp": trusted_publisher(a, TP_PRESET),
        "block": block(),
        "spare.block": block(),
        "cx": cooldown_exception(a),
        "spare.cx": cooldown_exception(a),
        "download": download(a, public.name),
    }
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    yield World(
        clients=clients,
        href=href,
        secrets=[secret.name, digest, f"authz-secret-{tag}", f"authz_secret_{tag}"],
        a=a,
        b=b,
        names={**names, "public": public.name, "secret": secret.name, "tag": tag, "files": files},
    )
    for index in (a, b, spare, doomed):
        admin.delete(index["repository"]["pulp_href"])
    for made in admin.get(
        "repositories/teamindex/teamindex/", params={"name__startswith": "authz-new-"}
    ).json()["results"]:
        admin.delete(made["pulp_href"])
    admin.delete(guard["pulp_href"])
    for user in users:
        admin.delete(user)


# ---- the expectation table ---------------------------------------------------------------------


def _block_body():
    """A block of bytes nobody has: it changes nothing the other cases see."""
    return {"kind": "sha256", "value": hashlib.sha256(uuid.uuid4().bytes).hexdigest()}


def _exception_body(index):
    """A cooldown exception for a project nobody has, for an hour: it changes nothing served."""
    expires = datetime.now(UTC) + timedelta(hours=1)
    return {
        "repository": index["repository"]["pulp_href"],
        "value": f"authz-cx-{uuid.uuid4().hex[:8]}",
        "reason": "authz",
        "expires_at": expires.isoformat(),
    }


def expect(default, **overrides):
    """Status per persona: `default` for the logged-in personas, 401 for the two the REST API
    does not authenticate (no credentials; a publish token, valid only for twine)."""
    return {
        "anon": 401,
        "token": 401,
        **dict.fromkeys(PERSONAS[1:-2], default),
        "admin": default,
        **overrides,
    }


def only(*personas, **codes):
    return {p: codes.get(p, codes.get("all")) for p in personas}


@dataclass(frozen=True)
class Case:
    op: str  # "METHOD path" as the schema spells it
    target: str = ""  # the World.href key standing for the path's {placeholder}
    statuses: dict = field(default_factory=dict)
    body: object = None  # json, or a function of the World giving it
    form: object = None  # multipart: (data, files), or a function of the World giving it


PACKAGES = "/pulp/api/v3/content/teamindex/packages/"
YANKS = "/pulp/api/v3/content/teamindex/yanks/"
DISTS = "/pulp/api/v3/distributions/teamindex/teamindex/"
PUBS = "/pulp/api/v3/publications/teamindex/teamindex/"
REPOS = "/pulp/api/v3/repositories/teamindex/teamindex/"
REPO = "{teamindex_team_index_repository_href}"
DIST = "{teamindex_team_index_distribution_href}"
PUB = "{teamindex_team_index_publication_href}"
VERSION = "{teamindex_teamindex_repository_version_href}"
UNIT = "{teamindex_package_file_href}"
YANK = "{teamindex_yank_href}"
STATUSES = "/pulp/api/v3/content/teamindex/project_statuses/"
STATUS = "{teamindex_project_status_href}"
PROVENANCES = "/pulp/api/v3/content/teamindex/provenance/"
PROVENANCE = "{teamindex_provenance_href}"
NO_SUCH_PROJECT = {"project": "nothing", "status": "archived"}
NS = "{teamindex_namespace_href}"
TOKEN = "{teamindex_publish_token_href}"
TP = "{teamindex_trusted_publisher_href}"
TP_BODY = {"issuer": "https://issuer.invalid", "claims": {"repository": "evil/app"}}
NOT_OWNERS = ("anon", "norole", "reader", "pub", "token")
TP_PRESET = {
    "provider": "github",
    "claims": {"repository": "acme/app", "repository_id": "1", "repository_owner_id": "2"},
}
BLOCK = "{teamindex_block_href}"
EXCEPTIONS = "/pulp/api/v3/teamindex/cooldown-exceptions/"
DOWNLOADS = "/pulp/api/v3/teamindex/downloads/"
CX = "{teamindex_cooldown_exception_href}"
LEGACY = "/pulp/teamindex/{path}/legacy/"
NOT_PUBLISHED = {"filenames": ["nothing-1.0-py3-none-any.whl"]}
LABEL = {"key": "authz", "value": "1"}
JUNK = ({}, {"file": ("junk-1.0-py3-none-any.whl", b"not a wheel")})
NON_ADMINS = ("anon", "norole", "reader", "owner", "pub", "token")
TOKEN_STRANGERS = ("anon", "norole", "reader", "owner", "token")
# hidden: B is no index of theirs, so it answers 404 like a missing one
B_HIDDEN = {"norole": 404, "owner": 404, "pub": 404}
UPDATED = (200, 202)  # an update that ran at once answers 200, a queued one 202


def _tp_name():
    return f"authz-tp-{uuid.uuid4().hex[:8]}"


def _name(w, kind):
    return f"authz-new-{kind}-{w.names['tag']}"


CASES = [
    # content: files and yanks, listed and shown only for indexes the user may read
    Case(f"GET {PACKAGES}", statuses=expect(200)),
    Case(f"GET {PACKAGES}?repository_version=", "b.version", expect(200)),
    Case(f"GET {PACKAGES}?sha256=", "secret.sha256", expect(200)),
    Case(
        f"POST {PACKAGES}",
        statuses=expect(403, pub=400),
        form=lambda w: ({"repository": w.href["a.repo"]}, JUNK[1]),
    ),
    Case(
        f"POST {PACKAGES}",
        statuses=expect(403, pub=400),
        form=lambda w: (
            {"repository": w.href["a.repo"], "file_url": w.clients["admin"].url("status/")},
            None,
        ),
    ),
    Case(f"GET {UNIT}", "b.unit", expect(404, reader=200, admin=200)),
    Case(f"GET {UNIT}", "a.unit", expect(200)),
    Case(f"POST {UNIT}set_label/", "b.unit", expect(403, admin=201), LABEL),
    Case(f"POST {UNIT}unset_label/", "b.unit", expect(403, admin=201), {"key": "authz"}),
    Case(f"GET {YANKS}", statuses=expect(200)),
    Case(f"GET {YANKS}?repository_version=", "b.version", expect(200)),
    Case(f"GET {YANK}", "b.yank", expect(404, reader=200, admin=200)),
    # yanks are made by the yank action only; nobody labels them
    Case(f"POST {YANK}set_label/", "b.yank", expect(403), LABEL),
    Case(f"POST {YANK}unset_label/", "b.yank", expect(403), {"key": "authz"}),
    # project statuses (PEP 792), like yanks: listed for readable indexes, set by an action
    Case(f"GET {STATUSES}", statuses=expect(200)),
    Case(f"GET {STATUSES}?repository_version=", "b.version", expect(200)),
    Case(f"GET {STATUS}", "b.status", expect(404, reader=200, admin=200)),
    Case(f"POST {STATUS}set_label/", "b.status", expect(403), LABEL),
    Case(f"POST {STATUS}unset_label/", "b.status", expect(403), {"key": "authz"}),
    # PEP 740 provenance: made by a trusted publisher's upload only, listed like yanks
    Case(f"GET {PROVENANCES}", statuses=expect(200)),
    Case(f"GET {PROVENANCES}?repository_version=", "b.version", expect(200)),
    Case(f"GET {PROVENANCE}", "b.provenance", expect(404, reader=200, admin=200)),
    Case(f"POST {PROVENANCE}set_label/", "b.provenance", expect(403), LABEL),
    Case(f"POST {PROVENANCE}unset_label/", "b.provenance", expect(403), {"key": "authz"}),
    # distributions: visible to all; creating or re-pointing one needs view on what it serves
    Case(f"GET {DISTS}", statuses=expect(200)),
    Case(
        f"POST {DISTS}",
        statuses=expect(403, admin=202),
        body=lambda w: {
            "name": _name(w, "d"),
            "base_path": _name(w, "d"),
            "repository": w.href["b.repo"],
            "content_guard": w.href["b.guard"],
        },
    ),
    Case(f"GET {DIST}", "b.dist", expect(200)),
    Case(
        f"PUT {DIST}",
        "a.dist",
        only(*NON_ADMINS, all=403, anon=401, token=401),
        lambda w: {"name": w.a["name"], "base_path": w.a["name"], "repository": w.href["b.repo"]},
    ),
    Case(
        f"PUT {DIST}",
        "a.dist",
        only("owner", "admin", all=UPDATED),
        lambda w: {"name": w.a["name"], "base_path": w.a["name"], "repository": w.href["a.repo"]},
    ),
    Case(
        f"PATCH {DIST}",
        "a.dist",
        only(*NON_ADMINS, all=403, anon=401, token=401),
        lambda w: {"repository": w.href["b.repo"]},
    ),
    Case(
        f"PATCH {DIST}",
        "a.dist",
        only("owner", all=403),
        lambda w: {"repository": None, "repository_version": w.href["b.version"]},
    ),
    Case(
        f"PATCH {DIST}",
        "a.dist",
        only("owner", all=403),
        lambda w: {"repository": None, "publication": w.href["b.pub"]},
    ),
    Case(
        f"PATCH {DIST}",
        "a.dist",
        only("owner", "admin", all=UPDATED),
        lambda w: {"repository": w.href["a.repo"]},
    ),
    # its base path is the index's URL: only admins move it, nowhere, not even under its name
    Case(
        f"PATCH {DIST}", "a.dist", only("owner", all=403), lambda w: {"base_path": _name(w, "sq")}
    ),
    Case(
        f"PATCH {DIST}",
        "a.dist",
        only("owner", all=403),
        lambda w: {"base_path": w.a["name"] + "/moved"},
    ),
    Case(
        f"PATCH {DIST}",
        "spare.dist",
        only("admin", all=UPDATED),
        lambda w: {"base_path": _name(w, "moved")},
    ),
    Case(f"DELETE {DIST}", "b.dist", only(*NON_ADMINS, all=403, anon=401, token=401)),
    Case(f"DELETE {DIST}", "spare.dist", only("admin", all=202)),
    Case(
        f"POST {DIST}add_role/",
        "b.dist",
        expect(403, admin=201),
        lambda w: {"role": "teamindex.teamindexdistribution_viewer", "users": [w.names["norole"]]},
    ),
    Case(
        f"POST {DIST}add_role/",
        "a.dist",
        only("owner", all=201),
        lambda w: {"role": "teamindex.teamindexdistribution_viewer", "users": [w.names["norole"]]},
    ),
    Case(f"GET {DIST}list_roles/", "b.dist", expect(403, admin=200)),
    Case(f"GET {DIST}list_roles/", "a.dist", only("owner", all=200)),
    Case(f"GET {DIST}my_permissions/", "b.dist", expect(200)),
    Case(
        f"POST {DIST}remove_role/",
        "b.dist",
        expect(403, admin=201),
        lambda w: {"role": "teamindex.teamindexdistribution_viewer", "users": [w.names["norole"]]},
    ),
    Case(
        f"POST {DIST}remove_role/",
        "a.dist",
        only("owner", all=201),
        lambda w: {"role": "teamindex.teamindexdistribution_viewer", "users": [w.names["norole"]]},
    ),
    Case(f"POST {DIST}set_label/", "b.dist", expect(403, admin=201), LABEL),
    Case(f"POST {DIST}set_label/", "a.dist", only("owner", all=201), LABEL),
    Case(f"POST {DIST}unset_label/", "b.dist", expect(403, admin=201), {"key": "authz"}),
    Case(f"POST {DIST}unset_label/", "a.dist", only("owner", all=201), {"key": "authz"}),
    # publications
    Case(f"GET {PUBS}", statuses=expect(200)),
    Case(
        f"POST {PUBS}",
        statuses=expect(403, admin=202),
        body=lambda w: {"repository": w.href["b.repo"]},
    ),
    Case(f"GET {PUB}", "b.pub", expect(200)),
    Case(f"DELETE {PUB}", "b.pub", only(*NON_ADMINS, all=403, anon=401, token=401)),
    Case(f"DELETE {PUB}", "spare.pub", only("admin", all=204)),
    Case(
        f"POST {PUB}add_role/",
        "b.pub",
        expect(403, admin=201),
        lambda w: {"role": "teamindex.teamindexpublication_viewer", "users": [w.names["norole"]]},
    ),
    Case(f"GET {PUB}list_roles/", "b.pub", expect(403, admin=200)),
    Case(f"GET {PUB}my_permissions/", "b.pub", expect(200)),
    Case(
        f"POST {PUB}remove_role/",
        "b.pub",
        expect(403, admin=201),
        lambda w: {"role": "teamindex.teamindexpublication_viewer", "users": [w.names["norole"]]},
    ),
    # repositories: a private index is hidden from those who may not read it
    Case(f"GET {REPOS}", statuses=expect(200)),
    Case(
        f"POST {REPOS}",
        statuses=expect(403, admin=201),
        body=lambda w: {"name": _name(w, "r"), "distribute": False},
    ),
    Case(f"GET {REPO}", "b.repo", expect(404, reader=200, admin=200)),
    Case(f"GET {REPO}", "a.repo", expect(200)),
    Case(
        f"PUT {REPO}",
        "a.repo",
        only(*NON_ADMINS, all=403, anon=401, token=401),
        lambda w: {"name": w.a["name"], "publisher": w.names["owner"]},
    ),
    Case(
        f"PUT {REPO}",
        "a.repo",
        only("owner", "admin", all=UPDATED),
        lambda w: {"name": w.a["name"], "description": "team A"},
    ),
    Case(
        f"PATCH {REPO}",
        "a.repo",
        only(*NON_ADMINS, all=403, anon=401, token=401),
        {"upstream": "http://127.0.0.1:9/simple/"},
    ),
    Case(
        f"PATCH {REPO}", "a.repo", only("owner", all=403), lambda w: {"publisher": w.names["owner"]}
    ),
    Case(f"PATCH {REPO}", "a.repo", only("owner", "admin", all=UPDATED), {"description": "A"}),
    Case(f"PATCH {REPO}", "b.repo", expect(403, **B_HIDDEN, admin=UPDATED), {"description": "B"}),
    Case(f"DELETE {REPO}", "b.repo", only(*NON_ADMINS, all=403, anon=401, token=401, **B_HIDDEN)),
    Case(f"DELETE {REPO}", "doomed.repo", only("admin", all=202)),
    Case(
        f"POST {REPO}add_role/",
        "b.repo",
        only(*NON_ADMINS, all=403, anon=401, token=401, **B_HIDDEN),
        lambda w: {"role": VIEWER, "users": [w.names["norole"]]},
    ),
    Case(
        f"POST {REPO}add_role/",
        "a.repo",
        only("owner", all=201),
        lambda w: {"role": VIEWER, "users": [w.names["pubb"]]},
    ),
    Case(
        f"POST {REPO}add_role/",
        "a.repo",
        only("admin", all=201),
        lambda w: {"role": VIEWER, "users": [w.names["norole"]]},
    ),
    Case(f"GET {REPO}list_roles/", "b.repo", expect(403, **B_HIDDEN, admin=200)),
    Case(f"GET {REPO}list_roles/", "a.repo", only("owner", all=200)),
    Case(f"GET {REPO}my_permissions/", "b.repo", expect(200, **B_HIDDEN)),
    Case(
        f"POST {REPO}remove_role/",
        "b.repo",
        only(*NON_ADMINS, all=403, anon=401, token=401, **B_HIDDEN),
        lambda w: {"role": VIEWER, "users": [w.names["reader"]]},
    ),
    Case(
        f"POST {REPO}remove_role/",
        "a.repo",
        only("owner", all=201),
        lambda w: {"role": VIEWER, "users": [w.names["pubb"]]},
    ),
    Case(
        f"POST {REPO}remove_role/",
        "a.repo",
        only("admin", all=201),
        lambda w: {"role": VIEWER, "users": [w.names["norole"]]},
    ),
    Case(f"POST {REPO}import/", "a.repo", expect(403, pub=400), {"path": "/etc"}),
    Case(
        f"POST {REPO}import/", "b.repo", only("pub", "owner", "norole", all=404), {"path": "/etc"}
    ),
    Case(
        f"POST {REPO}modify/",
        "a.repo",
        expect(403),
        lambda w: {"add_content_units": [w.href["b.unit"]]},
    ),
    Case(
        f"POST {REPO}modify/",
        "a.repo",
        only("pub", all=403),
        lambda w: {"add_content_units": [w.href["b.yank"]]},
    ),
    Case(
        f"POST {REPO}modify/",
        "a.repo",
        only("pub", all=403),
        lambda w: {"base_version": w.href["b.version"]},
    ),
    Case(
        f"POST {REPO}modify/",
        "a.repo",
        only("pub", all=202),
        lambda w: {"add_content_units": [w.href["a.unit"]]},
    ),
    Case(
        f"POST {REPO}modify/",
        "b.repo",
        only("pub", "owner", "norole", all=404),
        lambda w: {"remove_content_units": ["*"]},
    ),
    Case(
        f"POST {REPO}promote/",
        "a.repo",
        expect(403),
        lambda w: {"source": w.href["b.repo"], "filenames": [w.names["secret"]]},
    ),
    Case(
        f"POST {REPO}promote/",
        "a.repo",
        only("pub", all=202),
        lambda w: {"source": w.href["a.repo"], "filenames": [w.names["public"]]},
    ),
    Case(f"POST {REPO}fold/", "a.repo", expect(403, owner=202, pub=202, admin=202)),
    Case(f"POST {REPO}fold/", "b.repo", expect(403, **B_HIDDEN, admin=202)),
    Case(f"GET {REPO}uploads/", "a.repo", expect(403, owner=200, pub=200, admin=200)),
    Case(f"GET {REPO}uploads/", "b.repo", expect(403, **B_HIDDEN, admin=200)),
    Case(f"GET {REPO}refusals/", "b.repo", expect(403, **B_HIDDEN, admin=200)),
    Case(f"GET {REPO}refusals/", "a.repo", expect(403, owner=200, pub=200, admin=200)),
    Case(f"POST {REPO}remove/", "a.repo", expect(403, pub=400), NOT_PUBLISHED),
    Case(f"POST {REPO}remove/", "b.repo", only("pub", all=404), NOT_PUBLISHED),
    Case(f"POST {REPO}rollback/", "a.repo", expect(403, pub=400), {"version": 999}),
    Case(f"POST {REPO}set_label/", "a.repo", expect(403, owner=201, admin=201), LABEL),
    Case(f"POST {REPO}set_label/", "b.repo", only("owner", "pub", all=404), LABEL),
    Case(f"POST {REPO}unset_label/", "a.repo", expect(403, owner=201, admin=400), {"key": "authz"}),
    Case(f"GET {REPO}shadowed/", "a.repo", expect(403, owner=200, pub=200, admin=200)),
    Case(f"GET {REPO}shadowed/", "b.repo", expect(403, **B_HIDDEN, admin=200)),
    Case(f"POST {REPO}yank/", "a.repo", expect(403, pub=400), NOT_PUBLISHED),
    Case(f"POST {REPO}unyank/", "a.repo", expect(403, pub=400), NOT_PUBLISHED),
    Case(f"POST {REPO}yank/", "b.repo", only("pub", all=404), NOT_PUBLISHED),
    # a project's status: its publisher, owners and admins (the 400: no such project)
    Case(
        f"POST {REPO}set_project_status/",
        "a.repo",
        expect(403, owner=400, pub=400, admin=400),
        NO_SUCH_PROJECT,
    ),
    Case(
        f"POST {REPO}set_project_status/",
        "b.repo",
        expect(403, **B_HIDDEN, admin=400),
        NO_SUCH_PROJECT,
    ),
    # versions: the history of a private index is as private as its files
    Case(f"GET {REPO}versions/", "b.repo", expect(200)),
    Case(f"GET {VERSION}", "b.version", expect(404, reader=200, admin=200)),
    Case(
        f"DELETE {VERSION}",
        "b.version",
        only(*NON_ADMINS, all=403, anon=401, token=401),
    ),
    Case(f"DELETE {VERSION}", "a.version0", only("admin", all=202)),
    Case(
        f"POST {VERSION}repair/",
        "b.version",
        only(*NON_ADMINS, all=403, anon=401, token=401),
    ),
    Case(f"POST {VERSION}repair/", "a.version", only("admin", all=202)),
    # search: everyone logged in; hits only from readable indexes (the leak check searches B's tag)
    Case("GET /pulp/api/v3/teamindex/search/?q=authz", statuses=expect(200)),
    # namespaces: admins grant them
    Case("GET /pulp/api/v3/teamindex/namespaces/", statuses=expect(200)),
    Case(
        "POST /pulp/api/v3/teamindex/namespaces/",
        statuses=expect(403, admin=201),
        body=lambda w: {"prefix": _name(w, "ns"), "repository": w.href["spare.repo"]},
    ),
    Case(f"GET {NS}", "ns", expect(200)),
    Case(f"DELETE {NS}", "ns", only(*NON_ADMINS, all=403, anon=401, token=401)),
    Case(f"DELETE {NS}", "spare.ns", only("admin", all=204)),
    # tokens: one's own; admins issue them for service accounts
    Case("GET /pulp/api/v3/teamindex/tokens/", statuses=expect(200)),
    Case(
        "POST /pulp/api/v3/teamindex/tokens/",
        statuses=expect(201),
        body=lambda w: {"name": "mine", "repositories": [w.href["a.repo"]]},
    ),
    Case(
        "POST /pulp/api/v3/teamindex/tokens/",
        statuses=expect(403, pub=201, admin=201),
        body=lambda w: {
            "name": "theirs",
            "user": w.names["pub"],
            "repositories": [w.href["a.repo"]],
        },
    ),
    Case(f"GET {TOKEN}", "token", expect(404, pub=200, admin=200)),
    Case(f"DELETE {TOKEN}", "token", only(*TOKEN_STRANGERS, all=404, anon=401, token=401)),
    Case(f"DELETE {TOKEN}", "spare.token", only("admin", all=204)),
    Case(f"DELETE {TOKEN}", "spare.token3", only("pub", all=204)),
    Case(f"POST {TOKEN}revoke/", "token", only(*TOKEN_STRANGERS, all=404, anon=401, token=401)),
    Case(f"POST {TOKEN}revoke/", "spare.token2", only("pub", "admin", all=200)),
    # trusted publisher policies: admins set any; an index's owners (not its publisher) those of
    # their index, with a provider preset only; everyone sees the policies they manage
    Case("GET /pulp/api/v3/teamindex/trusted-publishers/", statuses=expect(200)),
    Case(
        "POST /pulp/api/v3/teamindex/trusted-publishers/",
        statuses=expect(403, owner=400, admin=201),
        body=lambda w: {"name": _tp_name(), "repository": w.href["a.repo"], **TP_BODY},
    ),
    Case(
        "POST /pulp/api/v3/teamindex/trusted-publishers/",
        statuses=expect(403, owner=201, admin=201),
        body=lambda w: {"name": _tp_name(), "repository": w.href["a.repo"], **TP_PRESET},
    ),
    Case(
        "POST /pulp/api/v3/teamindex/trusted-publishers/",
        statuses=expect(403, admin=201),
        body=lambda w: {"name": _tp_name(), "repository": w.href["b.repo"], **TP_PRESET},
    ),
    Case(f"GET {TP}", "tp", expect(404, owner=200, admin=200)),
    Case(
        f"PUT {TP}",
        "tp",
        expect(404, owner=400, admin=200),
        lambda w: {"name": "put", "repository": w.href["a.repo"], **TP_BODY},
    ),
    Case(f"PATCH {TP}", "tp", expect(404, owner=400, admin=200), {"audience": "https://x.test"}),
    Case(f"PATCH {TP}", "owned.tp", expect(404, owner=200, admin=200), {"projects": ["a-b"]}),
    Case(f"DELETE {TP}", "tp", only(*NOT_OWNERS, all=404, anon=401, token=401)),
    Case(f"DELETE {TP}", "owned.tp", only("owner", all=204)),
    Case(f"DELETE {TP}", "spare.tp", only("admin", all=204)),
    # the block list: admins block and lift; nobody else sees it, nobody deletes
    Case("GET /pulp/api/v3/teamindex/blocks/", statuses=expect(403, admin=200)),
    Case(
        "POST /pulp/api/v3/teamindex/blocks/",
        statuses=expect(403, admin=201),
        body=lambda w: {**_block_body(), "reason": "authz"},
    ),
    Case(f"GET {BLOCK}", "block", expect(403, admin=200)),
    Case(f"POST {BLOCK}lift/", "block", only(*NON_ADMINS, all=403, anon=401, token=401)),
    Case(f"POST {BLOCK}lift/", "spare.block", only("admin", all=201)),
    # the download record names readers and clients of every index: admins only
    Case(f"GET {DOWNLOADS}", statuses=expect(403, admin=200)),
    Case("GET {teamindex_download_href}", "download", expect(403, admin=200)),
    # cooldown exceptions: seen by who may read the index; granted and revoked by its admins
    # and owners, never by its publisher (nor a token, nor another team); nobody deletes one
    Case(f"GET {EXCEPTIONS}", statuses=expect(200)),
    Case(
        f"POST {EXCEPTIONS}",
        statuses=expect(403, owner=201, admin=201),
        body=lambda w: _exception_body(w.a),
    ),
    Case(
        f"POST {EXCEPTIONS}", statuses=expect(403, admin=201), body=lambda w: _exception_body(w.b)
    ),
    Case(f"GET {CX}", "cx", expect(200)),
    Case(
        f"POST {CX}revoke/",
        "cx",
        only("anon", "norole", "reader", "pub", "token", all=403, anon=401, token=401),
    ),
    Case(f"POST {CX}revoke/", "spare.cx", only("owner", "admin", all=201)),
    # twine's upload endpoint: only the index's publisher, and a token scoped to the index
    Case(f"POST {LEGACY}", "b", expect(403, anon=401, token=403), form=JUNK),
    Case(f"POST {LEGACY}", "a", expect(403, anon=401, pub=400, token=400), form=JUNK),
]

# Inherited listings of pulpcore that include team index objects: they leak nothing either.
GENERIC = [
    Case(f"GET /pulp/api/v3/{path}", statuses=expect(200))
    for path in (
        "content/",
        "repositories/",
        "repository_versions/",
        "publications/",
        "distributions/",
        "tasks/",
        "content/teamindex/packages/?limit=1000",
    )
]


def schema_operations(admin):
    """Every operation of the live schema whose path or tags mention teamindex."""
    schema = admin.get("docs/api.json").json()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("get", "post", "put", "patch", "delete")
        and ("teamindex" in path or any("teamindex" in t.lower() for t in operation["tags"]))
    }


def _operation(case):
    return case.op.split("?")[0]


def _url(world, case):
    method, template = case.op.split(" ", 1)
    if template == LEGACY:
        index = world.a if case.target == "a" else world.b
        return method, index["distribution"]["upload_url"]
    if template.endswith("="):
        value = world.secrets[1] if case.target == "secret.sha256" else world.href[case.target]
        return method, template + quote(value, safe="")
    path = re.sub(r"\{[a-z_]+\}", world.href.get(case.target, ""), template, count=1)
    return method, path


def _send(world, persona, case):
    client = world.clients[persona]
    method, path = _url(world, case)
    kwargs = {}
    if case.body is not None:
        kwargs["json"] = case.body(world) if callable(case.body) else case.body
    if case.form is not None:
        data, files = case.form(world) if callable(case.form) else case.form
        kwargs.update(data=data, files=files)
    return client.session.request(method, client.url(path), timeout=120, **kwargs)


def test_every_teamindex_operation_has_a_row(admin, world):
    """A new endpoint (or method) must be added to CASES, with what each persona may do."""
    listed = {_operation(c) for c in CASES}
    assert schema_operations(admin) == listed


def test_each_operation_is_tried_by_every_persona():
    by_operation = {}
    for case in CASES:
        by_operation.setdefault(_operation(case), set()).update(case.statuses)
    incomplete = {op: set(PERSONAS) - seen for op, seen in by_operation.items()}
    assert {op: missing for op, missing in incomplete.items() if missing} == {}


def test_who_may_do_what_and_no_private_byte_leaks(world):
    wrong, leaks = [], []
    for case in CASES + GENERIC:
        for persona, status in case.statuses.items():
            response = _send(world, persona, case)
            if response.status_code not in (status if isinstance(status, tuple) else (status,)):
                wrong.append(
                    f"{persona:6} {case.op} [{case.target}] -> {response.status_code}, "
                    f"expected {status}: {response.text[:160]}"
                )
            if persona not in MAY_READ_B:
                found = [s for s in world.secrets if s in response.text]
                if found:
                    leaks.append(f"{persona} {case.op} [{case.target}] shows {found}")
    assert (wrong, leaks) == ([], []), "\n".join(wrong + leaks)


# ---- the boundaries the matrix cannot show by status alone -------------------------------------


def test_the_leak_check_is_not_vacuous(world):
    """Those who may read B do see its secret file; nobody else does."""
    for persona, sees in (("reader", True), ("admin", True), ("norole", False), ("pub", False)):
        listing = world.clients[persona].get("content/teamindex/packages/", params={"limit": 1000})
        assert (world.names["secret"] in listing.text) is sees, persona


def test_a_refused_re_pointing_leaves_b_unserved_at_a(world):
    owner = world.clients["owner"]
    project = world.secrets[2]
    for serves, target in (
        ("repository", "b.repo"),
        ("repository_version", "b.version"),
        ("publication", "b.pub"),
    ):
        body = {"repository": None, serves: world.href[target]}
        assert owner.patch(world.href["a.dist"], json=body).status_code == 403, serves
    page = requests.get(world.a["distribution"]["index_url"] + project + "/", timeout=30)
    assert page.status_code == 404
    assert world.names["secret"] not in page.text


def test_owners_may_not_choose_publisher_or_upstream(world):
    owner = world.clients["owner"]
    for body in (
        {"publisher": world.names["owner"]},
        {"upstream": "http://127.0.0.1:9/simple/"},
        {"upstream_cooldown": "0"},
    ):
        refused = owner.patch(world.href["a.repo"], json=body)
        assert refused.status_code == 403
        assert "Only an admin may set" in refused.json()["detail"]
    same = owner.patch(world.href["a.repo"], json={"publisher": world.names["pub"]})
    assert same.status_code in (200, 202)  # restating the current value changes nothing


def test_file_url_is_refused_and_nothing_is_fetched(world):
    pub = world.clients["pub"]
    before = pub.get(world.href["a.repo"]).json()["latest_version_href"]
    refused = pub.post(
        "content/teamindex/packages/",
        data={"repository": world.href["a.repo"], "file_url": pub.url("status/")},
    )
    assert refused.status_code == 400
    assert "file_url is not accepted" in refused.text
    assert pub.get(world.href["a.repo"]).json()["latest_version_href"] == before


def test_promote_and_modify_from_b_are_refused_with_a_reason(world):
    pub = world.clients["pub"]
    promote = pub.post(
        world.href["a.repo"] + "promote/",
        json={"source": world.href["b.repo"], "filenames": [world.names["secret"]]},
    )
    assert promote.status_code == 403
    assert "may not read index" in promote.json()["detail"]
    modify = pub.post(
        world.href["a.repo"] + "modify/", json={"add_content_units": [world.href["b.unit"]]}
    )
    assert modify.status_code == 403
    assert "may not read these content units" in modify.json()["detail"]


def test_no_unit_from_another_users_upload_or_an_unreadable_artifact(world):
    """The other ways to name bytes in a content upload: a chunked upload, an artifact."""
    admin, pub = world.clients["admin"], world.clients["pub"]
    upload = admin.post("uploads/", json={"size": 16})
    assert upload.status_code == 201, upload.text
    try:
        refused = pub.post(
            "content/teamindex/packages/",
            data={"upload": upload.json()["pulp_href"], "repository": world.href["a.repo"]},
        )
        assert refused.status_code == 403
        assert "belongs to another user" in refused.json()["detail"]
    finally:
        admin.delete(upload.json()["pulp_href"])
    artifact = admin.get(world.href["b.unit"]).json()["artifact"]
    refused = pub.post(
        "content/teamindex/packages/",
        data={
            "artifact": artifact,
            "relative_path": world.names["secret"],
            "repository": world.href["a.repo"],
        },
    )
    assert refused.status_code == 403
    assert "no file you may read" in refused.json()["detail"]


def test_only_attempts_by_the_publisher_reach_the_refusal_log(world):
    """The matrix sent junk to A's upload URL as every persona: only the publisher's own
    attempts (with a password or its token) are in A's log."""
    rows = world.clients["admin"].get(world.href["a.repo"] + "refusals/").json()
    assert rows
    assert {row["user"] for row in rows} == {world.names["pub"]}


def test_nul_in_a_path_is_a_404_not_a_500(world, pulp):
    index_url = world.a["distribution"]["index_url"]
    for path in ("x%00/", f"{world.names['public'].split('-')[0]}%00/"):
        assert requests.get(index_url + path, timeout=30).status_code == 404
    content_root = index_url.rsplit("/simple/", 1)[0]
    assert requests.get(content_root + "/packages/a%00.whl", timeout=30).status_code == 404
    assert requests.get(content_root + "%00/simple/", timeout=30).status_code == 404
    upload = world.a["distribution"]["upload_url"].replace("/legacy/", "%00/legacy/")
    auth = (world.names["pub"], PASSWORD)
    response = requests.post(upload, auth=auth, files={"content": ("a.whl", b"x")}, timeout=30)
    assert response.status_code == 404
    named = legacy_post(world.a, auth, "a\x00-1.0-py3-none-any.whl", b"x")
    assert named.status_code == 400


def test_an_owner_cannot_move_its_index_to_squat_a_path(world):
    """The owner of A tries to move A to a free path another team could be given, and to a
    path under A's own name: both refused with the reason, both paths still free, A in place."""
    owner, admin = world.clients["owner"], world.clients["admin"]
    for path in (f"authz-squat-{world.names['tag']}", world.a["name"] + "/v2"):
        refused = owner.patch(world.href["a.dist"], json={"base_path": path})
        assert refused.status_code == 403, refused.text
        assert "Only an admin may move index" in refused.json()["detail"]
        found = admin.get("distributions/teamindex/teamindex/", params={"base_path": path})
        assert found.json()["count"] == 0
    assert admin.get(world.href["a.dist"]).json()["base_path"] == world.a["name"]
