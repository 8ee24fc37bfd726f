"""Fixtures live in tests/fixtures/, one module per service."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.database",
    "tests.fixtures.tenancy",
    "tests.fixtures.anvil",
    "tests.fixtures.s3",
    "tests.fixtures.browser",
]
