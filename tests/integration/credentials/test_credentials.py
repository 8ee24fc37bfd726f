"""Credentials certflow issues, checked by verifiers nobody here wrote.

Each certificate version rendered with a credential key gets an Open Badges 3.0
credential, signed in the render transaction, stored as signed and served by
the site (which has no key). Digital Bazaar's ``@digitalbazaar/vc`` resolves
our did:web and the status list over HTTP from the site and verifies it; one
changed byte fails it; a revocation sets its bit. The 1EdTech JSON Schema
validates what the site serves.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from uuid import UUID

import jsonschema
import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner
from web3 import Web3

from certflow.settings import Settings
from chain.deploy import DevDeployment
from chain.transactions import Signer
from cli.main import main
from issuance.certificates.certificate_pdf import rerender
from issuance.credentials.status_list import decode, is_set
from render.storage import ObjectStore
from tests.integration.credentials.conftest import digital_bazaar_verify, new_key
from tests.integration.web.conftest import Issue, Server, _issue, env_of

SCHEMA = (
    Path(__file__).parents[2] / "unit/credentials/data/ob_v3p0_achievementcredential_schema.json"
)


def _served(site: Server, cert_id: UUID) -> requests.Response:
    response = requests.get(f"{site.url}/credentials/{cert_id}.json", timeout=10)
    assert response.status_code == 200, response.text
    return response


def _revoke(settings: Settings, admin_url: str, enrollment: UUID, mp: pytest.MonkeyPatch) -> str:
    for name, value in {**env_of(settings), "DATABASE_URL": admin_url}.items():
        mp.setenv(name, value)
    result = CliRunner().invoke(
        main, ["revoke", str(enrollment), "--reason", "Plagiarised final project"]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_an_issued_credential_is_served_as_stored_and_digital_bazaar_verifies_it(
    issue: Issue, site: Server, engine: sa.Engine
) -> None:
    issued = issue()
    response = _served(site, issued.certificate.id)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT document FROM credentials WHERE certificate_id = :id"),
            {"id": issued.certificate.id},
        ).scalar_one()
    assert response.text == stored  # byte for byte what was signed
    assert response.headers["content-type"].startswith("application/vc")
    credential = response.json()

    verdict = digital_bazaar_verify(credential, site.url)

    assert verdict == {"verified": True, "errors": [], "status": False}
    assert credential["credentialSubject"]["id"].endswith(issued.wallet)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    ).validate(credential)


def test_one_changed_byte_fails_digital_bazaars_verifier(issue: Issue, site: Server) -> None:
    issued = issue()
    text = _served(site, issued.certificate.id).text
    at = text.index("Cohort 7") + len("Cohort ")
    tampered = text[:at] + "8" + text[at + 1 :]  # Cohort 7 -> Cohort 8, one byte

    verdict = digital_bazaar_verify(json.loads(tampered), site.url)

    assert verdict["verified"] is False
    assert verdict["errors"]


def test_a_revoked_credentials_status_bit_is_set_for_digital_bazaar(
    issue: Issue,
    site: Server,
    settings: Settings,
    admin_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issued = issue()
    before = _served(site, issued.certificate.id).json()
    assert digital_bazaar_verify(before, site.url)["status"] is False

    output = _revoke(settings, admin_database_url, issued.enrollment_id, monkeypatch)

    assert "re-signed with the revocation" in output
    after = digital_bazaar_verify(_served(site, issued.certificate.id).json(), site.url)
    assert after == {"verified": True, "errors": [], "status": True}
    status_url = before["credentialStatus"]["statusListCredential"]
    listed = requests.get(status_url, timeout=10).json()
    bits = decode(listed["credentialSubject"]["encodedList"])
    index = int(before["credentialStatus"]["statusListIndex"])
    assert [i for i in range(len(bits) * 8) if is_set(bits, i)] == [index]
    assert status_url.startswith(site.url)
    page = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()
    [step] = [c for c in page["checks"] if c["key"] == "credential"]
    assert step["status"] == "pass"
    assert "marks it revoked" in step["summary"]
    assert page["verdict"] == "revoked"


def test_the_verify_page_checks_the_credential_and_links_it(issue: Issue, site: Server) -> None:
    issued = issue()
    body = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()
    assert [c["key"] for c in body["checks"]][-2:] == ["credential", "verdict"]
    assert [c["status"] for c in body["checks"]] == ["pass"] * 7
    assert body["links"]["credential"] == f"/credentials/{issued.certificate.id}.json"
    html = requests.get(f"{site.url}/verify/{issued.certificate.id}", timeout=10).text
    assert f'href="/credentials/{issued.certificate.id}.json"' in html
    assert "Download the credential" in html


def test_a_tampered_stored_credential_fails_the_page_and_certflow_verify(
    issue: Issue,
    site: Server,
    owner_engine: sa.Engine,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    issued = issue()
    with owner_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE credentials SET document = replace(document, 'Cohort 7', 'Cohort 8')"
                " WHERE certificate_id = :id"
            ),
            {"id": issued.certificate.id},
        )
    body = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()
    [step] = [c for c in body["checks"] if c["key"] == "credential"]
    assert (step["status"], body["verdict"]) == ("fail", "failed")
    assert "proof does not verify" in step["summary"]

    for name, value in env_of(settings).items():
        monkeypatch.setenv(name, value)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(issued.pdf)
    result = CliRunner().invoke(main, ["verify", str(pdf)])
    assert result.exit_code == 1, result.output
    assert "✗ verifiable credential" in result.output


def test_rotating_the_key_keeps_earlier_credentials_verifiable(
    issue: Issue, site: Server, settings: Settings, engine: sa.Engine
) -> None:
    first = issue()
    rotated = Settings.model_validate({**env_of(settings), "CREDENTIAL_SIGNING_KEY": new_key()})
    store = ObjectStore.from_settings(rotated, region=rotated.s3_region)
    second = rerender(engine, store, rotated, first.enrollment_id).certificate
    assert second is not None

    did = requests.get(f"{site.url}/.well-known/did.json", timeout=10).json()
    assert len(did["verificationMethod"]) == 2
    assert did["assertionMethod"] == [m["id"] for m in did["verificationMethod"]]
    methods = set()
    for cert_id in (first.certificate.id, second.id):
        credential = _served(site, cert_id).json()
        assert digital_bazaar_verify(credential, site.url)["verified"] is True
        methods.add(credential["proof"][0]["verificationMethod"])
    assert methods == {m["id"] for m in did["verificationMethod"]}


def test_a_version_rendered_without_a_key_has_no_credential_until_the_backfill(
    site: Server,
    settings: Settings,
    admin_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    engine: sa.Engine,
    w3: Web3,
    lock_manager: Signer,
    dev_deployment: DevDeployment,
) -> None:
    keyless = settings.model_copy(update={"credential_signing_key": None})
    issued = _issue(
        engine, keyless, w3, lock_manager, dev_deployment,
        attest=True, name="Chidi", cohort_id="keyless",
    )  # fmt: skip

    url = f"{site.url}/credentials/{issued.certificate.id}.json"
    assert requests.get(url, timeout=10).status_code == 404
    body = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()
    assert "credential" not in [c["key"] for c in body["checks"]]
    assert (body["verdict"], body["links"]["credential"]) == ("verified", None)

    # The admin signs what was missed, once the key is configured.
    for name, value in {**env_of(settings), "DATABASE_URL": admin_database_url}.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["credentials", "backfill"])
    assert result.output.endswith("1 credential(s) signed\n"), result.output
    assert digital_bazaar_verify(_served(site, issued.certificate.id).json(), site.url) == {
        "verified": True,
        "errors": [],
        "status": False,
    }
    again = CliRunner().invoke(main, ["credentials", "backfill"])
    assert again.output.endswith("0 credential(s) signed\n")


def test_the_site_cannot_write_credentials_and_holds_no_key(
    site: Server, web_database_url: str, issue: Issue
) -> None:
    issued = issue()
    assert site.site.settings.credential_signing_key is None
    engine = sa.create_engine(web_database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), engine.begin() as c:
            c.execute(
                sa.text("UPDATE credentials SET document = '{}' WHERE certificate_id = :id"),
                {"id": issued.certificate.id},
            )
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"), engine.begin() as c:
            c.execute(sa.text("INSERT INTO credential_keys VALUES ('z6MkAttacker')"))
    finally:
        engine.dispose()


def test_a_status_list_not_signed_by_the_issuer_fails_the_credential_step(
    issue: Issue, site: Server, owner_engine: sa.Engine
) -> None:
    """An attacker who could write the list (or a stale copy) cannot unrevoke silently."""
    issued = issue()
    with owner_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE credential_status_lists SET document ="
                ' replace(document, \'"statusPurpose": "revocation"\','
                ' \'"statusPurpose": "revocation", "name": "forged"\')'
            )
        )
    body = requests.get(f"{site.url}/api/certificates/{issued.certificate.id}", timeout=10).json()
    [step] = [c for c in body["checks"] if c["key"] == "credential"]
    assert step["status"] == "fail"
    assert "the status list's proof does not verify" in step["summary"]
    credential = _served(site, issued.certificate.id).json()
    assert digital_bazaar_verify(credential, site.url)["verified"] is False


def test_the_stored_pdf_is_signed_and_certflow_verify_validates_the_signature(
    issue: Issue, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = issue()
    assert hashlib.sha256(issued.pdf).hexdigest() == issued.certificate.sha256  # the signed file
    for name, value in env_of(settings).items():
        monkeypatch.setenv(name, value)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(issued.pdf)

    result = CliRunner().invoke(main, ["verify", str(pdf)])

    assert result.exit_code == 0, result.output
    assert "✓ PDF signature (PAdES, validated by pyHanko): signed by" in result.output
    assert "intact, valid, trusted, covers the whole file; no timestamp (B-B)" in result.output
    assert "✓ verifiable credential" in result.output


def test_the_sites_file_check_validates_the_signature_of_an_uploaded_pdf(
    issue: Issue, site: Server
) -> None:
    issued = issue()
    good = requests.post(
        f"{site.url}/verify", files={"file": ("mine.pdf", issued.pdf)}, timeout=20
    ).text
    assert "The file matches" in good
    assert "Its signature: signed by" in good
    assert "intact, valid, trusted, covers the whole file" in good

    tampered = bytearray(issued.pdf)
    at = tampered.index(b"/Producer")
    tampered[at + 1] = ord("p")  # one byte, inside the signed range
    bad = requests.post(
        f"{site.url}/verify", files={"file": ("changed.pdf", bytes(tampered))}, timeout=20
    ).text
    assert "does not match any certificate" in bad
    assert "NOT intact (changed after signing)" in bad
