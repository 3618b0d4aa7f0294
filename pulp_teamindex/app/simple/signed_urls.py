"""How long a signed object-store URL lives, told to each django-storages backend its own way.

A redirect to a signed URL hands the client a bearer link to one object: whoever holds it reads
the file until it expires, whatever roles change meanwhile. The backends' own default (S3's
`querystring_expire`, an hour unless configured) is far longer than a client needs to follow a
redirect, so team index files are signed for TEAMINDEX_OBJECT_URL_LIFETIME seconds instead.
"""

from datetime import timedelta

S3_BACKENDS = ("storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage")
AZURE_BACKENDS = ("storages.backends.azure_storage.AzureStorage",)
GCS_BACKENDS = ("storages.backends.gcloud.GoogleCloudStorage",)


def url_options(storage_class, method, lifetime):
    """The keyword arguments of `storage.url(name, ...)` for a URL that answers `method` for
    `lifetime` seconds; none for a backend that takes no lifetime (its own expiry applies)."""
    if storage_class in S3_BACKENDS:
        return {"http_method": method, "expire": lifetime}
    if storage_class in AZURE_BACKENDS:
        return {"expire": lifetime}
    if storage_class in GCS_BACKENDS:
        return {"parameters": {"expiration": timedelta(seconds=lifetime)}}
    return {}
