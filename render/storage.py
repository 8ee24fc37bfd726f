"""Certificate PDFs in S3-compatible object storage (MinIO in production).

Every driver error is converted here: ``StorageUnavailable`` when retrying
later can help (connection refused, timeouts, 5xx, throttling), ``StorageError``
when it cannot (bad credentials, a missing object). The client's own retries
are kept short so a down server reaches the queue's backoff within seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from certflow.errors import (
    ConfigError,
    ObjectNotFound,
    StorageError,
    StorageFailed,
    StorageUnavailable,
)
from certflow.settings import Settings

PDF_TYPE = "application/pdf"

# S3 error codes that mean "the service is busy or broken right now".
_TRANSIENT_CODES = frozenset(
    {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed"}
)
_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NoSuchBucket"})


@dataclass(frozen=True)
class PdfMetadata:
    """What we attach to each stored certificate, besides its checksum."""

    enrollment_id: str
    certificate_id: str
    attestation_uid: str | None
    #: Which rendering of the enrollment's certificate this is (1, 2, ...).
    version: int | None = None

    def headers(self, sha256: str) -> dict[str, str]:
        # minio prefixes these with x-amz-meta-; values must be ASCII header text.
        headers = {
            "enrollment-id": self.enrollment_id,
            "certificate-id": self.certificate_id,
            "attestation-uid": self.attestation_uid or "pending",
            "sha256": sha256,
        }
        if self.version is not None:
            headers["certificate-version"] = str(self.version)
        return headers


@dataclass(frozen=True)
class StoredObject:
    """An object as the store describes it."""

    key: str
    size: int
    etag: str
    content_type: str
    metadata: dict[str, str]  # user metadata, without the x-amz-meta- prefix

    @property
    def sha256(self) -> str | None:
        return self.metadata.get("sha256")


def http_client(connect_timeout: float = 2.0, read_timeout: float = 10.0) -> urllib3.PoolManager:
    """A pool with short timeouts and one retry: the queue backs off, not the client."""
    retries = urllib3.Retry(
        total=1,
        connect=1,
        read=1,
        backoff_factor=0.1,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=None,  # PUT of identical bytes is idempotent too
        raise_on_status=False,
    )
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        retries=retries,
        maxsize=10,
    )


class ObjectStore:
    """One bucket of certificate PDFs."""

    def __init__(self, client: Minio, bucket: str, url_ttl: int, region: str = "us-east-1") -> None:
        self._client = client
        self.bucket = bucket
        self.url_ttl = url_ttl
        self.region = region

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        region: str = "us-east-1",
        http: urllib3.PoolManager | None = None,
    ) -> ObjectStore:
        """Build the store from ``S3_*`` settings and ``CERTIFICATE_URL_TTL``.

        ``http`` replaces the default short-timeout pool (see ``http_client``).
        """
        access, secret = settings.s3_access_key, settings.s3_secret_key
        if access is None or secret is None:
            raise ConfigError("missing configuration: S3_ACCESS_KEY, S3_SECRET_KEY")
        parts = urlsplit(settings.s3_endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise ConfigError(f"S3_ENDPOINT must look like http://host:port, not {parts.geturl()}")
        client = Minio(
            parts.netloc,
            access_key=access.get_secret_value(),
            secret_key=secret.get_secret_value(),
            secure=parts.scheme == "https",
            # A known region saves a GetBucketLocation round trip and lets
            # presigned URLs be computed without the network.
            region=region,
            http_client=http or http_client(),
        )
        return cls(client, settings.s3_bucket, settings.certificate_url_ttl, region)

    @staticmethod
    def object_key(
        bootcamp_id: object, cohort_id: object, user_profile_id: object, certificate_id: object
    ) -> str:
        """``certificates/{bootcamp}/{cohort}/{user_profile}/{certificate}.pdf``."""
        parts = [str(p) for p in (bootcamp_id, cohort_id, user_profile_id, certificate_id)]
        for part in parts:
            if not part or "/" in part or part in (".", ".."):
                raise StorageFailed(f"invalid object key component: {part!r}")
        return "certificates/{}/{}/{}/{}.pdf".format(*parts)

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (safe to call from many workers)."""
        with _converted(self.bucket):
            if self._client.bucket_exists(self.bucket):
                return
            try:
                self._client.make_bucket(self.bucket, location=self.region)
            except S3Error as exc:
                # Another worker created it between our check and our create.
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def put_pdf(self, key: str, data: bytes, metadata: PdfMetadata) -> StoredObject:
        """Store ``data`` at ``key``; its sha256 goes into the object metadata."""
        return self._put(key, data, PDF_TYPE, metadata.headers(hashlib.sha256(data).hexdigest()))

    def put_image(self, key: str, data: bytes, content_type: str) -> StoredObject:
        """Store a template image (content-addressed: same key, same bytes)."""
        return self._put(key, data, content_type, {"sha256": hashlib.sha256(data).hexdigest()})

    def _put(
        self, key: str, data: bytes, content_type: str, headers: dict[str, str]
    ) -> StoredObject:
        with _converted(key):
            result = self._client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=headers,  # type: ignore[arg-type]  # minio's DictType is too narrow
            )
        return StoredObject(key, len(data), result.etag or "", content_type, headers)

    def stat(self, key: str) -> StoredObject:
        """Size, etag and user metadata of ``key``; ObjectNotFound if it is absent."""
        with _converted(key):
            info = self._client.stat_object(self.bucket, key)
        return StoredObject(
            key=key,
            size=info.size or 0,
            etag=info.etag or "",
            content_type=info.content_type or "",
            metadata=_user_metadata(info.metadata),
        )

    def get(self, key: str) -> bytes:
        """The object's bytes; ObjectNotFound if it is absent."""
        with _converted(key):
            response = self._client.get_object(self.bucket, key)
            try:
                return bytes(response.read())
            finally:
                response.close()
                response.release_conn()

    def presigned_url(self, key: str, filename: str | None = None) -> str:
        """A GET URL for ``key`` that expires after ``certificate_url_ttl`` seconds.

        With ``filename``, the download is saved under that name (the store
        sends it as Content-Disposition, signed into the URL).
        """
        headers = (
            None if filename is None else {"response-content-disposition": _disposition(filename)}
        )
        with _converted(key):
            return str(
                self._client.presigned_get_object(
                    self.bucket,
                    key,
                    expires=dt.timedelta(seconds=self.url_ttl),
                    response_headers=headers,  # type: ignore[arg-type]  # minio's DictType
                )
            )


def _disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987).

    Learners' names are in many scripts; browsers use ``filename*`` and old
    clients the fallback.
    """
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_. ") else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _user_metadata(headers: Any) -> dict[str, str]:
    prefix = "x-amz-meta-"
    return {
        name.lower()[len(prefix) :]: str(value)
        for name, value in (headers or {}).items()
        if name.lower().startswith(prefix)
    }


@contextmanager
def _converted(resource: str) -> Iterator[None]:
    """Turn minio and urllib3 exceptions into StorageError / StorageUnavailable."""
    try:
        yield
    except S3Error as exc:
        raise _from_s3_error(exc, resource) from exc
    except ServerError as exc:
        raise StorageUnavailable(f"object storage answered {exc.status_code}: {exc}") from exc
    except InvalidResponseError as exc:
        raise StorageUnavailable(f"object storage sent an invalid response: {exc}") from exc
    except urllib3.exceptions.HTTPError as exc:
        raise StorageUnavailable(f"object storage is unreachable: {_reason(exc)}") from exc
    except MinioException as exc:
        raise StorageFailed(f"object storage error on {resource}: {exc}") from exc


def _from_s3_error(exc: S3Error, resource: str) -> StorageError:
    status = exc.response.status if exc.response is not None else 0
    text = f"{exc.code} on {resource}: {exc.message}"
    if exc.code in _MISSING_CODES:
        return ObjectNotFound(text)
    if exc.code in _TRANSIENT_CODES or status >= 500 or status == 429:
        return StorageUnavailable(text)
    return StorageFailed(text)


def _reason(exc: urllib3.exceptions.HTTPError) -> str:
    # MaxRetryError wraps the real cause (connection refused, timeout).
    reason = getattr(exc, "reason", None)
    return str(reason or exc)
