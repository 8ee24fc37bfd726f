"""The row-level security tests connect as real LOGIN users through ``login_as``
(tests/fixtures/tenancy.py)."""

from __future__ import annotations

from tests.fixtures.tenancy import Connect

__all__ = ["Connect"]
