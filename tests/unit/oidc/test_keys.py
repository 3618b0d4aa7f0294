"""Fetching an issuer's keys holds no request for long: a fetch ends by its deadline however
slowly the issuer answers, one fetch per issuer runs at a time and outside the lock, and the
exchanges that need keys meanwhile are answered at once. Against a local HTTPS issuer
(tests/functional/oidc_issuer.py) that can send its documents one byte at a time."""

import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import certifi
import pytest
from django.conf import settings
from oidc_issuer import Issuer, TestCA

from pulp_teamindex.app.oidc import OidcRefusal, keys

if not settings.configured:
    settings.configure()

DEADLINE = 1.0
WAIT = 0.5  # what an exchange waits for the fetch it set off: less than the deadline
MARGIN = 0.5  # a loaded machine's scheduling, on top of a deadline


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def limits(ca, monkeypatch):
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_FETCH_TIMEOUT", DEADLINE, raising=False)
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_KEYS_TTL", 3600.0, raising=False)
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_KEYS_MIN_INTERVAL", 30.0, raising=False)
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_CA_BUNDLE", str(ca.bundle), raising=False)
    monkeypatch.setattr(keys, "REQUEST_WAIT", WAIT)
    keys.forget()
    yield settings
    keys.forget()


@pytest.fixture
def issuer(ca):
    issuer = Issuer(ca, {})
    issuer.dribble_delay = 0.05
    yield issuer
    issuer.close()


@pytest.fixture
def healthy(ca):
    issuer = Issuer(ca, {})
    yield issuer
    issuer.close()


def _timed(call, *args):
    started = time.monotonic()
    try:
        result = call(*args)
    except (OidcRefusal, keys.OidcFetchError) as exc:
        result = exc
    return result, time.monotonic() - started


def _fetches(issuer):
    return issuer.discovery_fetches + issuer.jwks_fetches


def _eventually(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(0.02)


def _landed(issuer_url):
    """Wait until no fetch of `issuer_url` is under way."""

    def idle():
        with keys._lock:
            kept = keys._kept.get(issuer_url)
            return kept is None or kept.flight is None

    _eventually(idle)


@pytest.mark.parametrize("document", ["discovery", "jwks"])
def test_a_fetch_ends_by_its_deadline_however_slowly_the_issuer_answers(limits, issuer, document):
    issuer.dribble = document
    failure, elapsed = _timed(keys.fetch_keys, issuer.url)
    assert isinstance(failure, keys.OidcFetchError)
    assert "did not answer within" in str(failure)
    assert DEADLINE - 0.05 < elapsed < DEADLINE + MARGIN


def test_a_server_that_never_speaks_tls_is_cut_at_the_deadline(limits):
    with socket.socket() as silent:  # the kernel accepts connections; nobody answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"https://127.0.0.1:{silent.getsockname()[1]}"
        failure, elapsed = _timed(keys.fetch_keys, url)
    assert isinstance(failure, keys.OidcFetchError)
    assert elapsed < DEADLINE + MARGIN


def test_only_the_configured_ca_bundle_is_trusted(limits, healthy, monkeypatch):
    assert healthy.kid in keys.fetch_keys(healthy.url)
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_CA_BUNDLE", None)
    failure, _ = _timed(keys.fetch_keys, healthy.url)
    assert isinstance(failure, keys.OidcFetchError) and "SSLError" in str(failure)


def test_the_ca_bundle_adds_to_the_public_roots(limits, ca):
    """Naming a private CA (an in-cluster Kubernetes issuer) must not cut the index off from
    GitHub's and GitLab's issuers, whose certificates public roots sign (issue #28)."""
    trusted = {cert["subject"] for cert in keys.trust_context().get_ca_certs()}
    public = ssl.create_default_context(cafile=certifi.where()).get_ca_certs()
    assert {cert["subject"] for cert in public} <= trusted
    assert ((("commonName", "pulp_teamindex test CA"),),) in trusted


def test_a_requests_ca_bundle_in_the_environment_adds_too(limits, ca, healthy, monkeypatch):
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_CA_BUNDLE", None)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca.bundle))
    assert healthy.kid in keys.fetch_keys(healthy.url)


def test_one_fetch_per_issuer_and_every_other_caller_answered_at_once(limits, issuer, healthy):
    issuer.dribble = "jwks"
    with ThreadPoolExecutor(8) as pool:
        leader = pool.submit(_timed, keys.key_for, issuer.url, "made-up-0")
        time.sleep(0.05)
        others = [pool.submit(_timed, keys.key_for, issuer.url, f"made-up-{n}") for n in (1, 2, 3)]
        good = pool.submit(_timed, keys.key_for, healthy.url, healthy.kid)
        refusal, waited = leader.result()
        assert refusal.status == 503 and refusal.code == "issuer-unavailable"
        assert "being fetched" in str(refusal) and refusal.retry_after >= 1
        assert WAIT - 0.05 < waited < WAIT + MARGIN  # not the whole deadline
        for other in others:
            refusal, elapsed = other.result()
            assert refusal.status == 503 and refusal.retry_after >= 1
            assert elapsed < WAIT / 2  # nobody waits for a fetch someone else set off
        key, elapsed = good.result()
        assert key.key_id == healthy.kid and elapsed < DEADLINE  # the lock is not held
    assert issuer.discovery_fetches == 1 and issuer.jwks_fetches == 1


def test_a_failed_fetch_is_remembered_for_the_interval(limits, issuer):
    issuer.dribble = "discovery"
    first, _ = _timed(keys.key_for, issuer.url, "made-up")
    assert first.status == 503
    _landed(issuer.url)
    again, elapsed = _timed(keys.key_for, issuer.url, "made-up")
    assert again.status == 503 and "could not be fetched" in str(again)
    assert "did not answer within" in str(again)
    assert 1 <= again.retry_after <= settings.TEAMINDEX_OIDC_KEYS_MIN_INTERVAL
    assert elapsed < WAIT / 2 and _fetches(issuer) == 1


def test_an_unknown_key_of_a_healthy_issuer_is_the_tokens_fault(limits, healthy):
    refusal, _ = _timed(keys.key_for, healthy.url, "made-up")
    assert refusal.status == 422 and refusal.code == "invalid-token"
    fetched = _fetches(healthy)
    refusal, _ = _timed(keys.key_for, healthy.url, "made-up-too")
    assert refusal.status == 422 and _fetches(healthy) == fetched  # within the interval


def test_rotated_keys_are_fetched_for_the_exchange_that_needs_them(limits, healthy, monkeypatch):
    assert keys.key_for(healthy.url, healthy.kid).key_id == healthy.kid
    healthy.rotate()
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_KEYS_MIN_INTERVAL", 0.0)
    key, _ = _timed(keys.key_for, healthy.url, healthy.kid)
    assert key.key_id == healthy.kid


def test_stale_keys_are_served_while_a_background_fetch_renews_them(limits, issuer, monkeypatch):
    kid = issuer.kid
    assert keys.key_for(issuer.url, kid).key_id == kid
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_KEYS_TTL", 0.0)
    monkeypatch.setattr(settings, "TEAMINDEX_OIDC_KEYS_MIN_INTERVAL", 0.0)
    issuer.dribble = "jwks"
    fetched = _fetches(issuer)
    for _ in range(5):
        key, elapsed = _timed(keys.key_for, issuer.url, kid)
        assert key.key_id == kid and elapsed < 0.1
    _eventually(lambda: _fetches(issuer) == fetched + 2)  # one renewal: discovery, JWKS
    key, elapsed = _timed(keys.key_for, issuer.url, kid)
    assert key.key_id == kid and elapsed < 0.1 and _fetches(issuer) == fetched + 2
    _landed(issuer.url)
    key, _ = _timed(keys.key_for, issuer.url, kid)  # the renewal failed: the kept key stays
    assert key.key_id == kid


def test_the_lock_is_free_while_a_fetch_is_under_way(limits, issuer):
    issuer.dribble = "jwks"
    threading.Thread(target=_timed, args=(keys.key_for, issuer.url, "made-up"), daemon=True).start()
    time.sleep(0.1)
    started = time.monotonic()
    with keys._lock:
        assert time.monotonic() - started < 0.05
        assert keys._kept[issuer.url].flight is not None
