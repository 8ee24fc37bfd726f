"""The site's pure parts: start-up warnings, the signer key kept out, links, the read cache."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from structlog.testing import capture_logs

from certflow.settings import Settings, load_settings
from db.certificates import CertificateRow
from db.records import CertificateRecord
from issuance.verification.certificate_page import download_filename
from issuance.verification.page_checks import Evidence
from issuance.verification.read_cache import ReadCache
from web import links
from web.server import startup_warnings, web_settings

CERT_ID = uuid.UUID("3f6b2c9e-8d41-5a7f-b1e0-6c2d9a4e7f13")


def _settings(**env: str) -> Settings:
    return load_settings(env)


def _record(
    display_name: str = "Amélie Dubois", bootcamp_title: str = "Solidity Foundations"
) -> CertificateRecord:
    return CertificateRecord(
        enrollment_id=uuid.uuid4(),
        user_profile_id=uuid.uuid4(),
        cohort_id="c1",
        cohort_name="Cohort 7",
        bootcamp_id="b1",
        bootcamp_title=bootcamp_title,
        lock_address=None,
        display_name=display_name,
        wallet_address=None,
        completed_at=dt.datetime(2025, 3, 12, 15, 30, tzinfo=dt.UTC),
        total_xp=450,
        certificate_tx_hash=None,
        certificate_attestation_uid=None,
    )


def _row(version: int = 1) -> CertificateRow:
    now = dt.datetime.now(dt.UTC)
    return CertificateRow(CERT_ID, uuid.uuid4(), version, "k", "0" * 64, 1, None, now, None)


def test_the_default_verify_url_is_where_certflow_web_listens_by_default() -> None:
    settings = _settings()
    assert settings.port == 8000
    assert urlsplit(settings.verify_base_url).port == settings.port
    assert urlsplit(settings.verify_base_url).path == "/verify"


def test_localhost_verify_url_on_a_real_chain_is_warned_about() -> None:
    [warning] = startup_warnings(_settings(CHAIN_ID="8453"))
    assert "VERIFY_BASE_URL points at localhost on chain 8453" in warning
    assert startup_warnings(_settings(CHAIN_ID="31337")) == []
    assert (
        startup_warnings(_settings(CHAIN_ID="8453", VERIFY_BASE_URL="https://c.org/verify")) == []
    )


def test_a_verify_url_the_site_does_not_serve_is_warned_about() -> None:
    [warning] = startup_warnings(_settings(VERIFY_BASE_URL="https://c.org/certs"))
    assert "does not end in /verify" in warning


def test_the_web_process_drops_the_signer_key_and_says_so() -> None:
    settings = _settings(SIGNER_PRIVATE_KEY="0x" + "11" * 32)
    with capture_logs() as logs:
        cleaned = web_settings(settings)
    assert cleaned.signer_private_key is None
    assert [entry["event"] for entry in logs] == ["web.signer_key_ignored"]
    with capture_logs() as logs:
        web_settings(_settings())
    assert logs == []


def test_linkedin_link_fills_the_add_to_profile_form() -> None:
    settings = _settings(VERIFY_BASE_URL="https://certs.example.org/verify", ISSUER_NAME="P2E")
    url = links.linkedin_url(settings, _record(), CERT_ID)
    assert url is not None
    assert url.startswith("https://www.linkedin.com/profile/add?")
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Solidity Foundations — Cohort 7",
        "organizationName": "P2E",
        "issueYear": "2025",
        "issueMonth": "3",
        "certUrl": f"https://certs.example.org/verify/{CERT_ID}",
        "certId": str(CERT_ID),
    }


def test_explorer_links_come_from_the_templates_and_are_absent_without_them() -> None:
    tx = Evidence("Key transaction", "0xabc", "tx")
    assert links.evidence_url(_settings(), tx) is None
    settings = _settings(EXPLORER_TX_URL="https://basescan.org/tx/{tx}")
    assert links.evidence_url(settings, tx) == "https://basescan.org/tx/0xabc"
    assert links.download_url(settings, CERT_ID) == (
        f"http://localhost:8000/certificates/{CERT_ID}.pdf"
    )


def test_the_download_name_carries_the_learner_and_never_a_path() -> None:
    record = _record(display_name="Анна  Кузнецова", bootcamp_title="Web3 / DeFi")
    assert download_filename(record, _row()) == "Certificate - Анна Кузнецова - Web3 - DeFi.pdf"
    assert download_filename(record, _row(2)).endswith("DeFi (v2).pdf")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_read_cache_reuses_a_value_until_it_expires() -> None:
    clock, calls = Clock(), []
    cache = ReadCache(30, clock)

    def load() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", load) == 1
    clock.now += 29
    assert cache.get("k", load) == 1
    clock.now += 2
    assert cache.get("k", load) == 2


def test_the_read_cache_does_not_keep_failures() -> None:
    cache = ReadCache(30, Clock())

    def down() -> int:
        raise ConnectionError("node down")

    with pytest.raises(ConnectionError):
        cache.get("k", down)
    assert cache.get("k", lambda: 7) == 7
