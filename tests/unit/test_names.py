"""Issue 19, item 3: a printed name has no bidi controls or control characters, so the
page shows what the PDF shows (U+202E made the page say "exe.pdf", the PDF "fdp.exe")."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from certflow.names import without_controls
from db.records import CertificateRecord
from render.text import clean


@pytest.mark.parametrize(
    ("stored", "printed"),
    [
        ("\u202efdp.exe", "fdp.exe"),
        ("Ada\u2066 Lovelace\u2069", "Ada Lovelace"),
        ("Ada\x07\x1b[31mLovelace", "Ada [31mLovelace"),
        ("  Grace\u200f   Hopper ", "Grace Hopper"),
        ("김민준", "김민준"),
        ("Zoë\u200dJoiner", "Zoë\u200dJoiner"),  # a zero-width joiner is part of some names
    ],
)
def test_bidi_and_control_characters_never_reach_a_printed_name(stored: str, printed: str) -> None:
    record = CertificateRecord(
        enrollment_id=uuid.uuid4(),
        user_profile_id=uuid.uuid4(),
        cohort_id="c1",
        cohort_name="Cohort 7",
        bootcamp_id="b1",
        bootcamp_title="Solidity Foundations",
        lock_address=None,
        display_name=stored,
        wallet_address=None,
        completed_at=dt.datetime(2025, 3, 12, tzinfo=dt.UTC),
        total_xp=450,
        certificate_tx_hash=None,
        certificate_attestation_uid=None,
    )

    assert without_controls(stored) == printed
    assert record.learner_name == printed
    assert clean(stored, "name") == printed


def test_a_name_of_controls_only_falls_back_to_the_username() -> None:
    assert without_controls("\u202e\x07") == ""
