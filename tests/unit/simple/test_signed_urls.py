"""Signed object-store URLs live TEAMINDEX_OBJECT_URL_LIFETIME seconds, on every backend that
takes a lifetime (tests/functional/test_cluster.py checks the URL S3 signs)."""

from datetime import timedelta

import pytest

from pulp_teamindex.app.simple.signed_urls import url_options


@pytest.mark.parametrize(
    "backend", ["storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage"]
)
def test_s3_urls_are_signed_for_the_method_and_the_lifetime(backend):
    assert url_options(backend, "GET", 30) == {"http_method": "GET", "expire": 30}


def test_azure_and_gcs_urls_carry_the_lifetime():
    azure = url_options("storages.backends.azure_storage.AzureStorage", "GET", 12)
    assert azure == {"expire": 12}
    gcs = url_options("storages.backends.gcloud.GoogleCloudStorage", "GET", 12)
    assert gcs == {"parameters": {"expiration": timedelta(seconds=12)}}


def test_other_backends_keep_their_own_expiry():
    assert url_options("some.other.Storage", "GET", 30) == {}
