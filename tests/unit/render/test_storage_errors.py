"""How S3 error responses map onto permanent and transient errors."""

from __future__ import annotations

import pytest
from minio.error import S3Error
from urllib3 import HTTPResponse

from certflow.errors import (
    ConfigError,
    ObjectNotFound,
    StorageError,
    StorageFailed,
    StorageUnavailable,
)
from render.storage import ObjectStore, _from_s3_error
from tests.fixtures.s3 import s3_settings


def _s3_error(code: str, status: int) -> S3Error:
    return S3Error(HTTPResponse(status=status), code, "message", "/bucket/key", "req", "host")


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("InternalError", 500, StorageUnavailable),
        ("ServiceUnavailable", 503, StorageUnavailable),
        ("SlowDown", 503, StorageUnavailable),
        ("SomethingNew", 502, StorageUnavailable),
        ("NoSuchKey", 404, ObjectNotFound),
        ("NoSuchBucket", 404, ObjectNotFound),
        ("AccessDenied", 403, StorageFailed),
        ("SignatureDoesNotMatch", 403, StorageFailed),
    ],
)
def test_s3_errors_map_to_our_types(code: str, status: int, expected: type[StorageError]) -> None:
    error = _from_s3_error(_s3_error(code, status), "certificates/x.pdf")

    assert type(error) is expected
    assert error.transient is (expected is StorageUnavailable)
    assert code in str(error)


def test_endpoint_with_a_path_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="S3_ENDPOINT"):
        ObjectStore.from_settings(s3_settings("http://127.0.0.1:9000/bucket", "b"))


def test_missing_keys_are_a_config_error() -> None:
    settings = s3_settings("http://127.0.0.1:9000", "b").model_copy(update={"s3_access_key": None})

    with pytest.raises(ConfigError, match="S3_ACCESS_KEY"):
        ObjectStore.from_settings(settings)


def test_secret_key_is_not_in_the_store_repr() -> None:
    store = ObjectStore.from_settings(s3_settings("http://127.0.0.1:9000", "b"))

    assert "test-secret-key" not in repr(store)
    assert "test-secret-key" not in repr(vars(store))
