"""With pulpcore domains enabled, team indexes live in a domain: REST, twine and pip all work
under the domain's paths. Runs on a stack of its own (DOMAIN_ENABLED is a deployment setting)."""

import uuid

import pytest
from conftest import devstack
from helpers import Client, pip, twine_upload

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"


@pytest.fixture(scope="module")
def domain_stack():
    stack = devstack.throwaway("domains", DOMAIN_ENABLED=True)
    try:
        devstack.start(stack)
        yield stack
    finally:
        devstack.destroy(stack)


def test_an_index_in_a_domain(domain_stack, corpus, tmp_path):
    admin = Client(domain_stack, "admin", domain_stack.secrets["admin_password"])
    publisher = Client(domain_stack, "publisher", domain_stack.secrets["publisher_password"])
    domain = f"team{uuid.uuid4().hex[:6]}"
    created = admin.post(
        "/pulp/default/api/v3/domains/",
        json={
            "name": domain,
            "storage_class": "pulpcore.app.models.storage.FileSystem",
            "storage_settings": {"location": str(domain_stack.state_dir / f"media-{domain}")},
        },
    )
    assert created.status_code == 201, created.text
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
