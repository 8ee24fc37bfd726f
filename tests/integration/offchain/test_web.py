"""The verification site on an off-chain certificate: JSON, the explorer link, the checks.

The site runs in uvicorn on a real port as the read-only ``certflow_web`` user,
without the signer's key, as a deployment runs it.
"""

from __future__ import annotations

from typing import Any

import requests
import sqlalchemy as sa
from web3 import Web3

from chain.anchoring import eas_version
from chain.deploy import DevDeployment
from chain.offchain_json import attestation_from_url
from chain.transactions import Signer
from issuance.certificates.issuer import Issuer
from issuance.certificates.revocation import revoke
from tests.integration.chain.test_offchain_sdk import run_sdk
from tests.integration.offchain.conftest import Cohort, issue_offchain, stored
from tests.integration.web.conftest import Server


def _attestation_step(view: dict[str, Any]) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [step for step in view["checks"] if step["key"] == "attestation"]
    [step] = steps
    return step


def test_the_site_serves_checks_and_revokes_an_offchain_certificate(
    engine: sa.Engine,
    w3: Web3,
    signer: Signer,
    dev_deployment: DevDeployment,
    admin_issuer: Issuer,
    relay: Any,
    worker: Any,
    flags_on: None,
    cohort: Cohort,
    site: Server,
) -> None:
    enrollment_id, cert = issue_offchain(engine, cohort)
    row = stored(engine, enrollment_id)
    assert row is not None

    view = requests.get(f"{site.url}/api/certificates/{cert.id}", timeout=10).json()
    served = requests.get(f"{site.url}/api/attestations/{row.uid}.json", timeout=10).json()
    info = requests.get(f"{site.url}/api/attestations/{row.uid}", timeout=10).json()

    assert view["verdict"] == "verified", view
    step = _attestation_step(view)
    assert step["status"] == "pass"
    links = {item["label"]: item["url"] for item in step["evidence"]}
    share = links["Off-chain attestation UID"]
    assert share.startswith("https://easscan.example/offchain/url/#attestation=")
    assert attestation_from_url(share).uid == row.uid
    assert links["Attestation JSON (EAS SDK)"] == f"/api/attestations/{row.uid}.json"
    assert served == row.package
    assert info["anchor"]["tx_hash"] == row.anchor_tx_hash
    assert info["explorer_url"] == share
    eas = Web3.to_checksum_address(dev_deployment.eas_contract_address)
    request = {"eas": eas, "chainId": str(w3.eth.chain_id), "version": eas_version(w3, eas)}
    [sdk] = run_sdk(
        {
            **request,
            "command": "verify",
            "attester": signer.address,
            "packages": [{"package": served}],
        }
    )
    assert (sdk["valid"], sdk["uid"]) == (True, row.uid)
    page = requests.get(f"{site.url}/verify/{cert.id}", timeout=10)
    assert page.status_code == 200
    assert row.uid in page.text
    assert (
        requests.get(f"{site.url}/api/attestations/0x{'00' * 32}.json", timeout=10).status_code
        == 404
    )

    revoke(admin_issuer, enrollment_id, "issued by mistake")

    after = requests.get(f"{site.url}/api/certificates/{cert.id}", timeout=10).json()
    assert after["verdict"] == "revoked"
    assert "revoked off chain" in _attestation_step(after)["summary"]
    revoked = stored(engine, enrollment_id)
    assert revoked is not None
    [revocation] = [s for s in after["checks"] if s["key"] == "revocation"]
    assert {"label": "Attestation revoked off chain in", "value": revoked.revoke_tx_hash} in [
        {"label": e["label"], "value": e["value"]} for e in revocation["evidence"]
    ]
