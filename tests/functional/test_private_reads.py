"""Private indexes: clients are challenged (401) when credentials are missing or wrong and get
a 404 when a known user may not read, as for a missing index; granted credentials are
remembered by the content apps, per index, and every change of access takes effect on the very
next request. pip, uv and poetry read a private index with URL credentials, a keyring,
environment variables and http-basic config."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from helpers import (
    BIN,
    Client,
    guard_index,
    legacy_post,
    make_index,
    pip,
    run,
    sha256_of,
    twine_upload,
)
from test_clients import BASE_PYTHON, CLIENTS

WHEEL = "synth_p00000-1.0.0-py3-none-any.whl"
PASSWORD = "Reader-pass-123"


@pytest.fixture
def private(admin, publisher, index, corpus):
    """A guarded index holding one wheel, a reader with the downloader role, and a user
    without roles; returns the index with `page`, `file`, `guard`, `reader`, `stranger`."""
    assert twine_upload(index, publisher, corpus / WHEEL).returncode == 0
    names = {role: f"{role}-{uuid.uuid4().hex[:6]}" for role in ("reader", "stranger")}
    users = {}
    for role, name in names.items():
        created = admin.post("users/", json={"username": name, "password": PASSWORD})
        assert created.status_code == 201, created.text
        users[role] = created.json()
    guard = guard_index(admin, index, [names["reader"]])
    url = index["distribution"]["index_url"]
    yield {
        **index,
        "guard": guard,
        "page": url + "synth-p00000/",
        "file": url.rsplit("simple/", 1)[0] + "packages/" + WHEEL,
        "reader": Client(admin.stack, names["reader"], PASSWORD),
        "reader_href": users["reader"]["pulp_href"],
        "stranger": Client(admin.stack, names["stranger"], PASSWORD),
    }
    for user in users.values():
        admin.delete(user["pulp_href"])


def _get(url, user=None, password=None):
    auth = (user.username, password or user.password) if user else None
    return requests.get(url, auth=auth, timeout=30)


def _missing(index, urls):
    """`urls` of `index` spelled for an index that does not exist."""
    base = index["distribution"]["base_path"]
    return [url.replace(f"/{base}/", f"/gone-{uuid.uuid4().hex[:8]}/") for url in urls]


def _urls(private):
    return [private["page"], private["file"]]


def test_a_private_index_answers_as_a_missing_one_to_whoever_may_not_read_it(private):
    """A challenge without accepted credentials (keyrings answer only that), a plain 404 with
    them: neither tells a private index from a missing one."""
    for url, missing in zip(_urls(private), _missing(private, _urls(private)), strict=True):
        for target in (url, missing):
            anonymous = _get(target)
            assert anonymous.status_code == 401
            assert anonymous.headers["WWW-Authenticate"].startswith("Basic realm=")
            assert "private or does not exist" in anonymous.text
            wrong = _get(target, private["reader"], "not-the-password")
            assert wrong.status_code == 401 and "not accepted" in wrong.text
            stranger = _get(target, private["stranger"])
            assert stranger.status_code == 404
            assert "ask its admins for the downloader role" in stranger.text
        for who in (None, private["stranger"]):
            assert _get(url, who).text == _get(missing, who).text
        for _ in range(3):  # checked, then remembered
            assert _get(url, private["reader"]).status_code == 200
        assert _get(missing, private["reader"]).status_code == 404


def _role(admin, private, action):
    body = {"role": "core.rbaccontentguard_downloader", "users": [private["reader"].username]}
    response = admin.post(private["guard"]["pulp_href"] + f"{action}/", json=body)
    assert response.status_code in (200, 201), response.text


def test_a_removed_role_is_refused_on_the_very_next_request(admin, private):
    for _ in range(3):
        assert _get(private["page"], private["reader"]).status_code == 200
    _role(admin, private, "remove_role")
    assert _get(private["page"], private["reader"]).status_code == 404
    assert _get(private["file"], private["reader"]).status_code == 404
    _role(admin, private, "add_role")
    assert _get(private["page"], private["reader"]).status_code == 200


def test_a_changed_password_or_a_deactivated_user_is_refused_at_once(admin, private):
    for _ in range(3):
        assert _get(private["file"], private["reader"]).status_code == 200
    changed = admin.patch(private["reader_href"], json={"password": "Another-pass-456"})
    assert changed.status_code == 200, changed.text
    assert _get(private["file"], private["reader"]).status_code == 401
    assert _get(private["file"], private["reader"], "Another-pass-456").status_code == 200
    assert admin.patch(private["reader_href"], json={"is_active": False}).status_code == 200
    assert _get(private["file"], private["reader"], "Another-pass-456").status_code == 401


def test_a_guard_taken_off_or_swapped_applies_at_once(admin, private):
    assert _get(private["page"], private["reader"]).status_code == 200
    guard_index(admin, private, [private["stranger"].username])  # a guard the reader lacks
    assert _get(private["page"], private["reader"]).status_code == 404
    admin.ok(admin.patch(private["distribution"]["pulp_href"], json={"content_guard": None}))
    assert _get(private["page"]).status_code == 200


def _keyring_env(tmp_path, private):
    """The real keyring CLI with a plain-file backend in a throwaway home, holding the reader's
    password under every service name pip and uv ask for."""
    home = tmp_path / "keyring-home"
    env = {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "PATH": f"{CLIENTS}:/usr/bin:/bin",
    }
    url = private["distribution"]["index_url"]
    host = url.split("/")[2]
    for service in (url, url.rstrip("/"), host, f"http://{host}", f"http://{host}/"):
        stored = run(
            [CLIENTS / "keyring", "set", service, private["reader"].username],
            env=env,
            input=PASSWORD + "\n",
        )
        assert stored.returncode == 0, stored.stderr
    return env


def _with_user(url, username, password=None):
    secret = f":{password}" if password else ""
    return url.replace("http://", f"http://{username}{secret}@", 1)


def _assert_got_the_wheel(directory, corpus):
    assert sha256_of(directory / WHEEL) == sha256_of(corpus / WHEEL)


def test_pip_reads_with_url_credentials_and_with_a_keyring(private, corpus, tmp_path):
    url = private["distribution"]["index_url"]
    user = private["reader"].username
    with_password = _with_user(url, user, PASSWORD)
    got = pip(
        "download", "--no-deps", "--index-url", with_password, "-d", tmp_path / "a", WHEEL[:12]
    )
    assert got.returncode == 0, got.stdout + got.stderr
    _assert_got_the_wheel(tmp_path / "a", corpus)
    env = _keyring_env(tmp_path, private)
    args = ["--keyring-provider", "subprocess", "--index-url", _with_user(url, user)]
    got = pip("download", "--no-deps", *args, "-d", tmp_path / "b", "synth-p00000", env=env)
    assert got.returncode == 0, got.stdout + got.stderr
    _assert_got_the_wheel(tmp_path / "b", corpus)


def test_uv_reads_with_environment_credentials_and_a_keyring(private, corpus, tmp_path):
    url = private["distribution"]["index_url"]
    user = private["reader"].username
    venv = tmp_path / "venv"
    assert run([BIN / "uv", "venv", "--no-config", "--python", BASE_PYTHON, venv]).returncode == 0
    install = [BIN / "uv", "pip", "install", "--no-config", "--no-cache", "--python", venv]
    by_env = run(
        [*install, "--index", f"team={url}", "--default-index", url, "synth-p00000"],
        env={"UV_INDEX_TEAM_USERNAME": user, "UV_INDEX_TEAM_PASSWORD": PASSWORD},
    )
    assert by_env.returncode == 0, by_env.stdout + by_env.stderr
    env = _keyring_env(tmp_path, private)
    by_keyring = run(
        [*install, "--reinstall", "--keyring-provider", "subprocess"]
        + ["--index-url", _with_user(url, user), "synth-p00000"],
        env=env,
    )
    assert by_keyring.returncode == 0, by_keyring.stdout + by_keyring.stderr
    files = run([venv / "bin" / "python", "-c", "import synth_p00000; print(synth_p00000.VERSION)"])
    assert files.stdout.strip() == "1.0.0"


def test_poetry_reads_with_http_basic_credentials(private, corpus, tmp_path):
    project = tmp_path / "consumer"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        f"""[project]
name = "consumer"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["synth-p00000"]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "team"
url = "{private["distribution"]["index_url"]}"
priority = "primary"
"""
    )
    home = tmp_path / "home"
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "POETRY_HTTP_BASIC_TEAM_USERNAME": private["reader"].username,
        "POETRY_HTTP_BASIC_TEAM_PASSWORD": PASSWORD,
        "POETRY_NO_INTERACTION": "1",
    }
    locked = run([CLIENTS / "poetry", "lock"], env=env, cwd=project)
    assert locked.returncode == 0, locked.stdout + locked.stderr
    assert sha256_of(corpus / WHEEL) in (project / "poetry.lock").read_text()


def _read_token(user, index):
    body = {"name": "ci", "scope": "read", "repositories": [index["repository"]["pulp_href"]]}
    return user.post("teamindex/tokens/", json=body)


def test_a_read_token_reads_the_index_it_names_and_nothing_more(
    admin, publisher, private, corpus, tmp_path
):
    made = _read_token(private["reader"], private)
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    as_token = ("__token__", token)
    for _ in range(3):  # checked, then remembered
        assert requests.get(private["page"], auth=as_token, timeout=30).status_code == 200
    url = _with_user(private["distribution"]["index_url"], "__token__", token)
    got = pip("download", "--no-deps", "--index-url", url, "-d", tmp_path, "synth-p00000")
    assert got.returncode == 0, got.stdout + got.stderr
    _assert_got_the_wheel(tmp_path, corpus)

    publishers_read_token = ("__token__", _read_token(publisher, private).json()["token"])
    upload = legacy_post(private, publishers_read_token, WHEEL, (corpus / WHEEL).read_bytes())
    assert upload.status_code == 403 and "may only read" in upload.text

    other = make_index(admin)
    try:
        guard_index(admin, other, [private["reader"].username])
        elsewhere = requests.get(other["distribution"]["index_url"], auth=as_token, timeout=30)
        assert elsewhere.status_code == 401 and "not accepted" in elsewhere.text
        (missing,) = _missing(other, [other["distribution"]["index_url"]])
        assert elsewhere.text == requests.get(missing, auth=as_token, timeout=30).text
    finally:
        admin.ok(admin.delete(other["repository"]["pulp_href"]))

    revoked = private["reader"].post(made.json()["pulp_href"] + "revoke/")
    assert revoked.status_code == 200, revoked.text
    after = requests.get(private["page"], auth=as_token, timeout=30)
    assert after.status_code == 401 and "revoked" in after.text


def _two_indexes_one_guard(admin, publisher, private, corpus):
    """A second index holding the same kind of wheel behind `private`'s own guard (one guard
    per team, many indexes)."""
    other = make_index(admin)
    wheel = corpus / "synth_p00001-1.0.0-py3-none-any.whl"
    assert twine_upload(other, publisher, wheel).returncode == 0
    guard = private["guard"]["pulp_href"]
    admin.ok(admin.patch(other["distribution"]["pulp_href"], json={"content_guard": guard}))
    url = other["distribution"]["index_url"]
    other["urls"] = [url + "synth-p00001/", url.rsplit("simple/", 1)[0] + "packages/" + wheel.name]
    return other


def test_a_read_token_never_opens_another_index_behind_the_same_guard(
    admin, publisher, private, corpus
):
    """The token's index scope holds on every answer, remembered ones too: the token is used on
    its index first (so that its grant is remembered), then on the other index."""
    other = _two_indexes_one_guard(admin, publisher, private, corpus)
    try:
        for url in other["urls"]:  # the reader's password opens both: the guard lets it in
            assert _get(url, private["reader"]).status_code == 200
        made = _read_token(private["reader"], private)
        as_token = ("__token__", made.json()["token"])
        for _ in range(3):
            for url in _urls(private):
                assert requests.get(url, auth=as_token, timeout=30).status_code == 200
            for url in other["urls"]:
                refused = requests.get(url, auth=as_token, timeout=30)
                assert refused.status_code == 401, refused.text
                assert b"synth" not in refused.content
        assert private["reader"].post(made.json()["pulp_href"] + "revoke/").status_code == 200
        for url in [*_urls(private), *other["urls"]]:
            assert requests.get(url, auth=as_token, timeout=30).status_code == 401
    finally:
        admin.ok(admin.delete(other["repository"]["pulp_href"]))


def test_a_burst_of_first_requests_with_one_password_all_answer(admin, private):
    """Concurrent first requests with the same credentials share one password check (the
    figure is in bench/private_index.py); each still gets its own, right answer, and a wrong
    password shared by a burst is refused for every request."""
    for attempt in range(2):
        admin.post("groups/", json={"name": f"forget-{uuid.uuid4().hex[:8]}"})  # grants cleared
        with ThreadPoolExecutor(16) as pool:
            urls = _urls(private) * 8
            good = list(pool.map(lambda url: _get(url, private["reader"]), urls))
            wrong = list(pool.map(lambda url: _get(url, private["reader"], "bad-pass"), urls))
            stranger = list(pool.map(lambda url: _get(url, private["stranger"]), urls))
        assert [a.status_code for a in good] == [200] * 16, attempt
        assert {a.content for a in good[1::2]} == {good[1].content}  # the wheel, each time
        assert good[1].content.startswith(b"PK")
        assert [a.status_code for a in wrong] == [401] * 16
        assert [a.status_code for a in stranger] == [404] * 16
