"""ObjectStore against a real S3-compatible server over HTTP."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest

from certflow.errors import ObjectNotFound, StorageError, StorageUnavailable
from render.certificate import render_pdf
from render.storage import ObjectStore, PdfMetadata, http_client
from tests.fixtures.s3 import S3Server, s3_settings
from tests.unit.render.samples import ATTESTATION_UID, sample

KEY = ObjectStore.object_key("bootcamp-1", "cohort-2", "profile-3", "cert-4")
METADATA = PdfMetadata(
    enrollment_id="enrollment-9", certificate_id="cert-4", attestation_uid=ATTESTATION_UID
)


def test_object_key_layout() -> None:
    assert KEY == "certificates/bootcamp-1/cohort-2/profile-3/cert-4.pdf"


@pytest.mark.parametrize("bad", ["", "a/b", ".."])
def test_object_key_refuses_path_tricks(bad: str) -> None:
    with pytest.raises(StorageError, match="invalid object key component"):
        ObjectStore.object_key("b", bad, "p", "c")


def test_put_get_round_trip_with_metadata(object_store: ObjectStore) -> None:
    pdf = render_pdf(sample())

    stored = object_store.put_pdf(KEY, pdf, METADATA)
    info = object_store.stat(KEY)

    assert object_store.get(KEY) == pdf
    assert info.size == len(pdf) == stored.size
    assert info.content_type == "application/pdf"
    assert info.metadata == {
        "enrollment-id": "enrollment-9",
        "certificate-id": "cert-4",
        "attestation-uid": ATTESTATION_UID,
        "sha256": hashlib.sha256(pdf).hexdigest(),
    }
    assert info.sha256 == stored.sha256


def test_pending_attestation_is_stored_as_pending(object_store: ObjectStore) -> None:
    pending = PdfMetadata(enrollment_id="e", certificate_id="c", attestation_uid=None)

    object_store.put_pdf(KEY, b"%PDF-1.4 tiny", pending)

    assert object_store.stat(KEY).metadata["attestation-uid"] == "pending"


def test_putting_the_same_pdf_twice_leaves_one_identical_object(object_store: ObjectStore) -> None:
    pdf = render_pdf(sample())

    first = object_store.put_pdf(KEY, pdf, METADATA)
    second = object_store.put_pdf(KEY, render_pdf(sample()), METADATA)

    assert first.etag == second.etag
    assert object_store.get(KEY) == pdf


def test_presigned_url_serves_the_exact_bytes(object_store: ObjectStore) -> None:
    pdf = render_pdf(sample())
    object_store.put_pdf(KEY, pdf, METADATA)

    url = object_store.presigned_url(KEY)
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our local server
        body = response.read()

    assert body == pdf
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == [str(object_store.url_ttl)]
    assert object_store.url_ttl == 900


def test_missing_object_is_not_found(object_store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound, match="NoSuchKey"):
        object_store.get("certificates/nope.pdf")
    with pytest.raises(ObjectNotFound):
        object_store.stat("certificates/nope.pdf")


def test_missing_object_is_a_permanent_error(object_store: ObjectStore) -> None:
    with pytest.raises(StorageError) as caught:
        object_store.get("certificates/nope.pdf")

    assert not caught.value.transient


def test_ensure_bucket_creates_a_missing_bucket_however_many_workers_ask_at_once(
    s3_server: S3Server, s3_bucket: str
) -> None:
    """Eight workers boot on a bucket nobody created: each makes sure it exists, none
    fails, and PDFs are stored in it; asking again later leaves its objects alone."""
    stores = [
        ObjectStore.from_settings(s3_settings(s3_server.endpoint, s3_bucket)) for _ in range(8)
    ]
    with pytest.raises(StorageError, match="NoSuchBucket"):
        stores[0].put_pdf(KEY, b"%PDF-1.4 tiny", METADATA)
    barrier = threading.Barrier(len(stores))

    def boot(store: ObjectStore) -> None:
        barrier.wait()
        store.ensure_bucket()

    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(boot, stores))
    stores[0].put_pdf(KEY, b"%PDF-1.4 tiny", METADATA)
    stores[1].ensure_bucket()

    assert stores[2].get(KEY) == b"%PDF-1.4 tiny"


def test_stopped_server_is_unavailable_then_works_after_restart(
    private_s3_server: S3Server, s3_bucket: str
) -> None:
    store = ObjectStore.from_settings(s3_settings(private_s3_server.endpoint, s3_bucket))
    store.ensure_bucket()
    private_s3_server.stop()

    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match="unreachable") as caught:
        store.put_pdf(KEY, b"%PDF-1.4 tiny", METADATA)
    assert caught.value.transient
    assert time.monotonic() - started < 5  # short client retries: the queue backs off

    private_s3_server.start()
    store.ensure_bucket()  # a restarted server forgot everything, like a fresh volume
    store.put_pdf(KEY, b"%PDF-1.4 tiny", METADATA)
    assert store.get(KEY) == b"%PDF-1.4 tiny"


def test_every_operation_is_unavailable_while_the_server_is_down(
    private_s3_server: S3Server, s3_bucket: str
) -> None:
    store = ObjectStore.from_settings(s3_settings(private_s3_server.endpoint, s3_bucket))
    private_s3_server.stop()

    for operation in (store.ensure_bucket, lambda: store.stat(KEY), lambda: store.get(KEY)):
        with pytest.raises(StorageUnavailable):
            operation()


def test_wrong_bucket_is_a_permanent_error(s3_server: S3Server) -> None:
    store = ObjectStore.from_settings(s3_settings(s3_server.endpoint, "never-created-bucket"))

    with pytest.raises(StorageError) as caught:
        store.put_pdf(KEY, b"x", METADATA)

    assert not caught.value.transient


def test_a_server_that_never_answers_times_out_as_unavailable(s3_bucket: str) -> None:
    """Accepts the connection, then says nothing: the read timeout turns it into a retry."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
        store = ObjectStore.from_settings(
            s3_settings(endpoint, s3_bucket), http=http_client(read_timeout=0.3)
        )

        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="timed out"):
            store.get(KEY)

    assert time.monotonic() - started < 5
