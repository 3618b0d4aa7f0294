"""Password guessing, played against the failed-login backoff (issue #23): an attacker guessing
one account's password from one address is made to wait after a few wrong passwords, on every
endpoint (REST API, twine's upload endpoint, the content app), in every process; its owner, at
another address, never notices. The test stack waits TEAMINDEX_LOGIN_BACKOFF_DELAY (2 s) after
TEAMINDEX_LOGIN_BACKOFF_AFTER (3) wrong passwords (teamindex_plugin.py).

Every test guesses at an account of its own: the shared `admin` and `publisher` are never
made to wait. The other address is 127.0.0.2, the client socket bound to it."""

import time
import uuid

import pytest
import requests
from helpers import API, guard_index, make_index
from requests.adapters import HTTPAdapter

PASSWORD = "Backoff-pass-42!"
HERE, ELSEWHERE = "127.0.0.1", "127.0.0.2"


class _From(HTTPAdapter):
    """Connections from one local address."""

    def __init__(self, address):
        self._source = (address, 0)
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=self._source, **kwargs)


def _session(address):
    session = requests.Session()
    session.mount("http://", _From(address))
    return session


@pytest.fixture
def limits(pulp):
    """The test stack's backoff settings: failures before a wait, the first wait, the last."""
    s = pulp.extra_settings
    return (
        s["TEAMINDEX_LOGIN_BACKOFF_AFTER"],
        s["TEAMINDEX_LOGIN_BACKOFF_DELAY"],
        s["TEAMINDEX_LOGIN_BACKOFF_MAX_DELAY"],
    )


@pytest.fixture
def victim(admin):
    """An account nobody else uses, with PASSWORD."""
    name = f"backoff-{uuid.uuid4().hex[:8]}"
    created = admin.post("users/", json={"username": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    yield name
    admin.delete(created.json()["pulp_href"])


@pytest.fixture
def index(admin):
    created = make_index(admin)
    yield created
    admin.ok(admin.delete(created["repository"]["pulp_href"]))


def _rest(pulp, user, password, source=HERE):
    """A REST request any logged-in user may make."""
    url = f"{pulp.api_url}{API}repositories/teamindex/teamindex/?limit=1"
    return _session(source).get(url, auth=(user, password), timeout=60)


def _twine(index, user, password, source=HERE):
    """An upload as twine sends it (the user may not publish: accepted credentials get 403)."""
    return _session(source).post(
        index["distribution"]["upload_url"],
        auth=(user, password),
        files={"content": ("backoff-1.0-py3-none-any.whl", b"x")},
        data={":action": "file_upload"},
        timeout=60,
    )


def _refused(response, user, source=HERE):
    """The answer is the backoff's: 429, how long to wait, and what to do, for a person."""
    assert response.status_code == 429, (response.status_code, response.text)
    text = response.text
    assert f"Too many failed logins for '{user}' from {source}" in text, text
    assert "right password" in text and "other addresses are not affected" in text
    return int(response.headers["Retry-After"])


def _guess(pulp, user, count, tag="guess"):
    for i in range(count):
        answer = _rest(pulp, user, f"{tag}-{i}")
        assert answer.status_code == 401, (i, answer.status_code, answer.text)


def test_a_guesser_waits_on_every_endpoint_and_the_owner_elsewhere_does_not(
    pulp, victim, index, limits
):
    after, delay, _ = limits
    for i in range(after):  # guesses on two endpoints count together
        answer = (_rest(pulp, victim, f"guess-{i}"), _twine(index, victim, f"guess-{i}"))[i % 2]
        assert answer.status_code == 401, (i, answer.text)

    began = time.monotonic()
    wait = _refused(_rest(pulp, victim, "guess-next"), victim)
    assert time.monotonic() - began < 1.0  # refused without a password check
    assert 1 <= wait <= delay
    _refused(_rest(pulp, victim, PASSWORD), victim)  # the right one too: that is the point
    _refused(_twine(index, victim, PASSWORD), victim)
    refused = _twine(index, victim, PASSWORD)
    assert "Too many failed logins" in refused.reason  # what twine prints

    assert _rest(pulp, victim, PASSWORD, source=ELSEWHERE).status_code == 200
    owner_uploads = _twine(index, victim, PASSWORD, source=ELSEWHERE)
    assert owner_uploads.status_code == 403 and "may not publish" in owner_uploads.text

    time.sleep(wait + 0.2)
    assert _rest(pulp, victim, PASSWORD).status_code == 200


def test_a_success_clears_the_failures(pulp, victim, limits):
    after, _, _ = limits
    _guess(pulp, victim, after - 1, "first")
    assert _rest(pulp, victim, PASSWORD).status_code == 200
    _guess(pulp, victim, after - 1, "second")  # counted from zero again: no wait
    assert _rest(pulp, victim, PASSWORD).status_code == 200


def test_each_failure_after_a_wait_makes_the_next_wait_longer(pulp, victim, limits):
    after, delay, max_delay = limits
    _guess(pulp, victim, after)
    first = _refused(_rest(pulp, victim, "more"), victim)
    time.sleep(first + 0.2)
    _guess(pulp, victim, 1, "after-the-wait")
    second = _refused(_rest(pulp, victim, "more"), victim)
    assert second > first and second <= min(2 * delay, max_delay)


def test_retrying_one_wrong_password_is_not_guessing(pulp, victim, limits):
    after, _, _ = limits
    for _ in range(3 * after):
        assert _rest(pulp, victim, "stale-password").status_code == 401
    assert _rest(pulp, victim, PASSWORD).status_code == 200


def test_an_account_that_does_not_exist_is_answered_like_one_that_does(pulp, limits):
    after, _, _ = limits
    nobody = f"nobody-{uuid.uuid4().hex[:8]}"
    _guess(pulp, nobody, after)
    _refused(_rest(pulp, nobody, "guess-next"), nobody)


def test_the_content_app_makes_the_guesser_wait_too(pulp, admin, victim, index, limits):
    after, _, _ = limits
    guard_index(admin, index, [victim])
    page = index["distribution"]["index_url"]
    for i in range(after):
        answer = _session(HERE).get(page, auth=(victim, f"guess-{i}"), timeout=60)
        assert answer.status_code == 401, (i, answer.text)
    wait = _refused(_session(HERE).get(page, auth=(victim, PASSWORD), timeout=60), victim)
    assert wait >= 1
    _refused(_rest(pulp, victim, PASSWORD), victim)  # one count for every process
    elsewhere = _session(ELSEWHERE).get(page, auth=(victim, PASSWORD), timeout=60)
    assert elsewhere.status_code == 200, elsewhere.text
