"""Open Badges credentials signed per second, against RDF canonicalisation alone.

Run from the repository root: ``.venv/bin/python -m bench.credentials [--count N]
[--runs R] [--smoke]``. Prints one figure per line: medians over interleaved rounds.

Signing an ``eddsa-rdfc-2022`` proof canonicalises twice (the credential and
the proof options, RDFC-1.0 with pyld), hashes both and signs 64 bytes with
Ed25519; so the baseline is canonicalising the credential alone, and the
Ed25519 signature alone shows how little of the cost is cryptography.

Then PDFs: rendering a certificate and signing it with PAdES B-B (pyHanko, a
P-256 certificate of a development CA), against the unsigned render in the
same interleaved rounds. ``--smoke`` is a small size that only checks the
bench still runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench._smoke import parse_args
from certflow.settings import load_settings
from db.certificates import CertificateRow
from db.records import CertificateRecord
from issuance.credentials import credential, identity, multikey, proof, status_list
from render.certificate import render_pdf
from render.dev_pki import create_dev_pki
from render.signing import load_signer, sign_pdf

NOW = dt.datetime(2026, 3, 12, 15, 30, tzinfo=dt.UTC)


def documents(count: int) -> tuple[identity.IssuerKey, list[dict[str, Any]]]:
    """``count`` unsigned credentials of different learners, and the key to sign them."""
    key = Ed25519PrivateKey.generate()
    settings = load_settings(
        {
            "VERIFY_BASE_URL": "https://certs.example.org/verify",
            "CHAIN_ID": "8453",
            "CREDENTIAL_SIGNING_KEY": multikey.secret_multibase(key),
        }
    )
    issuer = identity.require_issuer_key(settings)
    made = []
    for index in range(count):
        record = CertificateRecord(
            enrollment_id=uuid.uuid4(),
            user_profile_id=uuid.uuid4(),
            cohort_id=f"c{index % 7}",
            cohort_name=f"Cohort {index % 7} — Lagos",
            bootcamp_id="b1",
            bootcamp_title="Solidity Foundations Bootcamp",
            lock_address="0x" + "a1b2" * 10,
            display_name=f"Learner {index}",
            wallet_address="0x" + f"{index:040x}",
            completed_at=NOW,
            total_xp=450,
            certificate_tx_hash="0x" + "9c" * 32,
            certificate_attestation_uid="0x" + f"{index:064x}",
        )
        row = CertificateRow(
            id=uuid.uuid4(),
            enrollment_id=record.enrollment_id,
            version=1,
            object_key="k",
            sha256="ab" * 32,
            size_bytes=60_000,
            attestation_uid=record.certificate_attestation_uid,
            rendered_at=NOW,
            superseded_at=None,
        )
        entry = status_list.entry(credential.site_url(settings), status_list.Position.of(index))
        made.append(credential.open_badge(settings, record, row, issuer.did, entry))
    return issuer, made


Work = Callable[[dict[str, Any]], object]


def rates(targets: dict[str, tuple[Work, list[dict[str, Any]]]], runs: int) -> dict[str, float]:
    """Median documents per second of each target, over ``runs`` interleaved rounds (so a
    change in the machine's load falls on every target alike)."""
    seen: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(runs):
        for name, (work, batch) in targets.items():
            started = time.perf_counter()
            for document in batch:
                work(document)
            seen[name].append(len(batch) / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in seen.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parse_args(parser, count=5, runs=1)
    count, runs = args.count, args.runs
    issuer, batch = documents(count)
    public = issuer.private_key.public_key()
    created = "2026-03-12T15:30:00Z"

    def sign(document: dict[str, Any]) -> dict[str, Any]:
        return proof.add_proof(document, issuer.private_key, issuer.verification_method, created)

    signed = [sign(document) for document in batch]  # also warms pyld's context cache
    found = rates(
        {
            "canonical": (proof.canonicalize, batch),
            "sign": (sign, batch),
            "verify": (lambda document: proof.verify_proof(document, public), signed),
            "ed25519": (lambda document: issuer.private_key.sign(b"\0" * 64), batch),
        },
        runs,
    )
    canonical, signing, verifying, ed25519 = (
        found[name] for name in ("canonical", "sign", "verify", "ed25519")
    )
    print(f"credentials: {count} per run, {runs} run(s), median rates")
    print(f"canonicalise one credential (RDFC-1.0, pyld; baseline): {canonical:,.1f}/s")
    print(f"sign (eddsa-rdfc-2022: 2 canonicalisations + Ed25519): {signing:,.1f}/s")
    print(f"verify: {verifying:,.1f}/s")
    print(f"Ed25519 signature alone: {ed25519:,.0f}/s")
    print(f"signing / canonicalisation alone: {signing / canonical:.0%}")
    pdf_figures(count, runs)


def pdf_figures(count: int, runs: int) -> None:
    """Certificates rendered per second, unsigned and signed (PAdES B-B), interleaved."""
    from bench.render_bench import certificates

    with tempfile.TemporaryDirectory() as folder:
        pki = create_dev_pki(Path(folder))
        signer = load_signer(pki.signer_cert, pki.signer_key)
        pages = [{"data": data} for data in certificates(max(count // 4, 2))]

        def signed(page: dict[str, Any]) -> bytes:
            return sign_pdf(render_pdf(page["data"]), signer, None, "bench")

        signed(pages[0])  # warm pyHanko up
        found = rates(
            {"render": (lambda page: render_pdf(page["data"]), pages), "signed": (signed, pages)},
            runs,
        )
    cost = found["render"] / found["signed"] - 1
    print(f"PDFs: {len(pages)} per run; render unsigned (baseline): {found['render']:,.1f}/s")
    print(f"render + PAdES B-B signature: {found['signed']:,.1f}/s")
    print(f"signing adds to a render: {cost:.0%}")


if __name__ == "__main__":
    main()
