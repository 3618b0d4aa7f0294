"""With pulpcore domains enabled, team indexes live in a domain: REST, twine and pip all work
under the domain's paths. Runs on a stack of its own (DOMAIN_ENABLED is a deployment setting)."""

import uuid

import pytest
import requests
from distgen import wheel as make_wheel
from helpers import account, devstack, pip, running, twine_upload

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"
JSON = {"Accept": "application/vnd.pypi.simple.v1+json"}


@pytest.fixture(scope="module")
def domain_stack():
    with running(devstack.throwaway("domains", DOMAIN_ENABLED=True)) as stack:
        yield stack


@pytest.fixture(scope="module")
def admin(domain_stack):
    return account(domain_stack, "admin")


@pytest.fixture(scope="module")
def publisher(domain_stack):
    return account(domain_stack, "publisher")


def make_domain(stack, admin):
    domain = f"team{uuid.uuid4().hex[:6]}"
    created = admin.post(
        "/pulp/default/api/v3/domains/",
        json={
            "name": domain,
            "storage_class": "pulpcore.app.models.storage.FileSystem",
            "storage_settings": {"location": str(stack.state_dir / f"media-{domain}")},
        },
    )
    assert created.status_code == 201, created.text
    return domain


def test_an_index_in_a_domain(domain_stack, admin, publisher, corpus, tmp_path):
    domain = make_domain(domain_stack, admin)
    repo = admin.post(
        f"/pulp/{domain}/api/v3/repositories/teamindex/teamindex/", json={"name": "idx"}
    )
    assert repo.status_code == 201, repo.text
    repo = repo.json()
    assert repo["index_url"].endswith(f"/pulp/content/{domain}/idx/simple/")
    assert repo["upload_url"].endswith(f"/pulp/teamindex/{domain}/idx/legacy/")

    index = {"distribution": {"upload_url": repo["upload_url"], "index_url": repo["index_url"]}}
    result = twine_upload(index, publisher, corpus / WHEEL)
    assert result.returncode == 0, result.stdout + result.stderr
    got = pip(
        "download",
        "--no-deps",
        "--index-url",
        repo["index_url"],
        "-d",
        tmp_path / "dl",
        "synth-p00000",
    )
    assert got.returncode == 0, got.stderr
    assert [p.name for p in (tmp_path / "dl").iterdir()] == [WHEEL]
    # the default domain knows nothing of it
    other = admin.get(
        "/pulp/default/api/v3/repositories/teamindex/teamindex/", params={"name": "idx"}
    ).json()
    assert other["count"] == 0


def test_same_index_name_in_two_domains_stays_apart(domain_stack, admin, publisher, corpus):
    """Each domain owns its names and its `idx`; pages and files answered from the content
    app's memory never cross from one domain to the other."""
    wheels = [corpus / f"synth_p00000-{v}-py3-none-any.whl" for v in ("1.0.0", "1.1.0")]
    indexes = []
    for wheel in wheels:
        domain = make_domain(domain_stack, admin)
        repo = admin.post(
            f"/pulp/{domain}/api/v3/repositories/teamindex/teamindex/", json={"name": "idx"}
        ).json()
        index = {"distribution": repo}
        assert twine_upload(index, publisher, wheel).returncode == 0
        indexes.append((repo["index_url"], wheel))
    for _ in range(3):  # resolved once, then answered from memory
        for (index_url, wheel), (_other_url, other) in zip(indexes, indexes[::-1], strict=True):
            page = requests.get(index_url + "synth-p00000/", headers=JSON, timeout=30)
            assert [f["filename"] for f in page.json()["files"]] == [wheel.name]
            packages = index_url.rsplit("simple/", 1)[0] + "packages/"
            assert requests.get(packages + wheel.name, timeout=30).content == wheel.read_bytes()
            assert requests.get(packages + other.name, timeout=30).status_code == 404


def test_upstream_fall_through_follows_each_domains_owners(
    domain_stack, admin, publisher, upstream, tmp_path
):
    """A name owned by any index of a domain never falls through to an upstream in that
    domain, also when the page is answered from memory; another domain owns nothing and may."""
    owning, other = make_domain(domain_stack, admin), make_domain(domain_stack, admin)

    def index(domain, name, **fields):
        url = f"/pulp/{domain}/api/v3/repositories/teamindex/teamindex/"
        created = admin.post(url, json={"name": name, **fields})
        assert created.status_code == 201, created.text
        return created.json()

    owner = index(owning, "owner")
    ours = make_wheel(tmp_path, "team-secret", "1.0")
    assert twine_upload({"distribution": owner}, publisher, ours).returncode == 0
    guarded = index(owning, "mirror", upstream=upstream["url"])
    open_ = index(other, "mirror", upstream=upstream["url"])
    attacker = upstream["files"]["team-secret"][0].name
    for mirror in (guarded, open_):  # the content app now knows both indexes: the pages
        assert requests.get(mirror["index_url"] + "public-lib/", timeout=30).status_code == 200
    for _ in range(3):  # below are rendered, then remembered, by the memory path
        page = requests.get(guarded["index_url"] + "team-secret/", headers=JSON, timeout=30)
        assert page.status_code == 404, page.text
        listed = requests.get(open_["index_url"] + "team-secret/", headers=JSON, timeout=30)
        assert [f["filename"] for f in listed.json()["files"]] == [attacker]
        assert listed.headers["X-Teamindex-Source"] == "upstream"


def test_yanks_and_namespace_grants_stay_in_their_domain(domain_stack, admin, publisher, corpus):
    """The same yank (filename and reason) and the same namespace prefix in two domains are two
    objects, one per domain: neither domain reuses or is blocked by the other's."""
    first, second = make_domain(domain_stack, admin), make_domain(domain_stack, admin)
    yanks = {}
    for domain in (first, second):
        api = f"/pulp/{domain}/api/v3/"
        repo = admin.post(api + "repositories/teamindex/teamindex/", json={"name": "idx"}).json()
        index = {"distribution": {"upload_url": repo["upload_url"]}}
        assert twine_upload(index, publisher, corpus / WHEEL).returncode == 0
        yank = {"filenames": [WHEEL], "reason": "broken"}
        publisher.ok(publisher.post(repo["pulp_href"] + "yank/", json=yank))
        latest = admin.get(repo["pulp_href"]).json()["latest_version_href"]
        listed = admin.get(api + "content/teamindex/yanks/", params={"repository_version": latest})
        [yanks[domain]] = [y["pulp_href"] for y in listed.json()["results"]]
        grant = admin.post(
            api + "teamindex/namespaces/", json={"prefix": "acme", "repository": repo["pulp_href"]}
        )
        assert grant.status_code == 201, grant.text
    assert f"/pulp/{first}/" in yanks[first] and f"/pulp/{second}/" in yanks[second]
