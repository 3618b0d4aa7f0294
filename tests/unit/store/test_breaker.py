"""The store's breaker opens after a few failures in a row and only a success closes it; only
"no answer" counts as a failure, never an answer the store gave."""

import errno

import botocore.exceptions as boto
import pytest

from pulp_teamindex.app.store.breaker import Breaker, is_unreachable


def test_opens_on_the_threshold_failure_in_a_row_and_only_once():
    breaker = Breaker(3)
    assert [breaker.failed() for _ in range(5)] == [False, False, True, False, False]
    assert breaker.is_open and breaker.failures == 5


def test_a_success_resets_the_count_so_scattered_failures_never_open_it():
    breaker = Breaker(3)
    for _ in range(10):
        breaker.failed()
        breaker.failed()
        assert breaker.succeeded() is False
    assert not breaker.is_open


def test_a_success_closes_it_and_says_so_once():
    breaker = Breaker(1)
    assert breaker.failed() is True
    assert breaker.succeeded() is True
    assert breaker.succeeded() is False
    assert not breaker.is_open and breaker.failures == 0


def test_a_threshold_below_one_means_one():
    assert Breaker(0).failed() is True


@pytest.mark.parametrize(
    "exc",
    [
        TimeoutError("deadline"),
        ConnectionAbortedError(),
        ConnectionRefusedError(errno.ECONNREFUSED, "refused"),
        ConnectionResetError(),
        boto.EndpointConnectionError(endpoint_url="http://store"),
        boto.ConnectTimeoutError(endpoint_url="http://store"),
        boto.ReadTimeoutError(endpoint_url="http://store"),
        boto.ConnectionClosedError(endpoint_url="http://store"),
    ],
)
def test_no_answer_is_unreachable(exc):
    assert is_unreachable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        boto.ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject"),
        boto.ClientError({"Error": {"Code": "SignatureDoesNotMatch"}}, "PutObject"),
        OSError(errno.ENOSPC, "full"),
        FileNotFoundError("gone"),
        ValueError("bad"),
    ],
)
def test_an_answer_is_not_unreachable(exc):
    assert not is_unreachable(exc)
