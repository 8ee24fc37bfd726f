"""PAdES signatures on certificates, checked by pyHanko's validator and poppler's pdfsig.

B-B with the development CA's certificate; B-T against a local RFC 3161
timestamp authority over HTTP (pyHanko's test TSA behind a real server);
one changed byte breaks it; another CA's root does not trust it.
"""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import tsp
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps import DummyTimeStamper

from bench.render_bench import certificates
from render.certificate import render_pdf
from render.dev_pki import DevPki, create_dev_pki
from render.signing import check_pdf_signature, load_signer, sign_pdf, trust_roots


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return create_dev_pki(tmp_path_factory.mktemp("pki"), tsa=True)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(certificates(1)[0])


@pytest.fixture
def tsa_url(pki: DevPki) -> Iterator[str]:
    """A timestamp authority on a local port: POST a TimeStampReq, get a TimeStampResp."""
    assert pki.tsa_cert is not None
    assert pki.tsa_key is not None
    stamper = DummyTimeStamper(
        # pyhanko's loader has no annotations (no stubs to install): the call is untyped.
        tsa_cert=load_cert_from_pemder(str(pki.tsa_cert)),  # type: ignore[no-untyped-call]
        tsa_key=load_private_key_from_pemder(str(pki.tsa_key), passphrase=None),
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()
    thread.join(5)


def _signed(pki: DevPki, pdf: bytes, tsa_url: str | None = None) -> bytes:
    signer = load_signer(pki.signer_cert, pki.signer_key)
    return sign_pdf(pdf, signer, tsa_url, "certflow issued certificate cert-000000")


def test_a_signed_certificate_is_intact_and_trusted_against_the_dev_root(
    pki: DevPki, pdf: bytes
) -> None:
    found = check_pdf_signature(_signed(pki, pdf), trust_roots(pki.signer_cert))

    assert found is not None
    assert (found.intact, found.valid, found.trusted, found.whole_file) == (True,) * 4
    assert "certflow (development) certificate signing" in found.signer
    assert found.timestamp is None  # B-B: no TSA configured


def test_with_a_tsa_the_signature_carries_a_valid_timestamp(
    pki: DevPki, pdf: bytes, tsa_url: str
) -> None:
    found = check_pdf_signature(_signed(pki, pdf, tsa_url), trust_roots(pki.signer_cert))

    assert found is not None
    assert found.ok
    assert found.timestamp is not None
    assert found.timestamp_ok is True
    assert "B-T" in found.summary()


def test_one_changed_byte_breaks_the_signature(pki: DevPki, pdf: bytes) -> None:
    signed = bytearray(_signed(pki, pdf))
    at = signed.index(b"/Producer")
    signed[at + 1] = ord("p")  # /Producer -> /producer, inside the signed range

    found = check_pdf_signature(bytes(signed), trust_roots(pki.signer_cert))

    assert found is not None
    assert found.intact is False
    assert found.ok is False


def test_another_cas_root_does_not_trust_it(pki: DevPki, pdf: bytes, tmp_path: Path) -> None:
    other = create_dev_pki(tmp_path / "other")
    found = check_pdf_signature(_signed(pki, pdf), trust_roots(other.signer_cert))

    assert found is not None
    assert (found.intact, found.trusted) == (True, False)


def test_an_unsigned_pdf_has_no_signature(pki: DevPki, pdf: bytes) -> None:
    assert check_pdf_signature(pdf, trust_roots(pki.signer_cert)) is None


def test_pdfsig_from_poppler_sees_a_valid_signature(
    pki: DevPki, pdf: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(_signed(pki, pdf))
    shown = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)

    assert "Signature Type: ETSI.CAdES.detached" in shown.stdout
    assert "Signature Validation: Signature is Valid." in shown.stdout
    assert "Total document signed" in shown.stdout
