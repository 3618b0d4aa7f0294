"""A private index: its distribution has a content guard; pip reads it with credentials."""

import uuid
from urllib.parse import urlsplit, urlunsplit

import requests
from helpers import pip, twine_upload, uv

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"


def with_credentials(url, user):
    parts = urlsplit(url)
    netloc = f"{user.username}:{user.password}@{parts.netloc}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_guarded_index_needs_credentials_at_once(admin, publisher, corpus, index, tmp_path):
    assert twine_upload(index, publisher, corpus / WHEEL).returncode == 0
    url = index["distribution"]["index_url"]
    page = url + "synth-p00000/"
    file_url = url.rsplit("simple/", 1)[0] + "packages/" + WHEEL
    for _ in range(2):  # remembered as public
        assert requests.get(page, timeout=30).status_code == 200
        assert requests.get(file_url, timeout=30).status_code == 200

    guard = admin.post("contentguards/core/rbac/", json={"name": f"g-{uuid.uuid4().hex[:6]}"})
    assert guard.status_code == 201, guard.text
    guard = guard.json()
    try:
        role = admin.post(
            guard["pulp_href"] + "add_role/",
            json={"role": "core.rbaccontentguard_downloader", "users": ["publisher"]},
        )
        assert role.status_code == 201, role.text
        admin.ok(
            admin.patch(
                index["distribution"]["pulp_href"], json={"content_guard": guard["pulp_href"]}
            )
        )

        # the very next anonymous requests are refused: nothing is served from memory
        assert requests.get(page, timeout=30).status_code in (401, 403)
        assert requests.get(file_url, timeout=30).status_code in (401, 403)
        assert requests.get(page, timeout=30, auth=("admin", "wrong")).status_code in (401, 403)
        assert (
            requests.get(
                page, timeout=30, auth=(publisher.username, publisher.password)
            ).status_code
            == 200
        )

        refused = pip(
            "download", "--no-deps", "--index-url", url, "-d", tmp_path / "a", "synth-p00000"
        )
        assert refused.returncode != 0
        allowed = pip(
            "download",
            "--no-deps",
            "--index-url",
            with_credentials(url, publisher),
            "-d",
            tmp_path / "b",
            "synth-p00000",
        )
        assert allowed.returncode == 0, allowed.stdout + allowed.stderr
        assert [p.name for p in (tmp_path / "b").iterdir()] == [WHEEL]

        netrc = tmp_path / "netrc"  # the credentials kept out of the URL, as CI secrets are
        netrc.write_text(
            f"machine {urlsplit(url).hostname} login {publisher.username} "
            f"password {publisher.password}\n"
        )
        netrc.chmod(0o600)
        from_netrc = pip(
            "download",
            "--no-deps",
            "--index-url",
            url,
            "-d",
            tmp_path / "c",
            "synth-p00000",
            env={"NETRC": str(netrc)},
        )
        assert from_netrc.returncode == 0, from_netrc.stdout + from_netrc.stderr
        assert [p.name for p in (tmp_path / "c").iterdir()] == [WHEEL]
        resolved = uv(
            "pip",
            "compile",
            "-",
            "--no-config",
            "--no-cache",
            "--index-url",
            url,
            input="synth-p00000\n",
            env={"NETRC": str(netrc)},
        )
        assert resolved.returncode == 0, resolved.stderr
        assert "synth-p00000==1.0.0" in resolved.stdout
    finally:
        admin.ok(admin.patch(index["distribution"]["pulp_href"], json={"content_guard": None}))
        admin.delete(guard["pulp_href"])
