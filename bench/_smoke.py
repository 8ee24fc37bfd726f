"""The option every bench has: ``--smoke``, the same run at a size small enough for CI.

tests/acceptance/test_benches.py runs every ``bench/*.py`` with ``--smoke`` and
checks that it exits 0 and prints its figures and its baseline (a line that
says ``baseline``), so a bench cannot rot between two measurements. A smoke
run's figures mean nothing; only the full size is measured.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def parse_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None = None, **smoke: object
) -> argparse.Namespace:
    """``parser``'s arguments; with ``--smoke``, ``smoke`` replaces the defaults (an option
    given on the command line still wins)."""
    sizes = ", ".join(f"{name.replace('_', '-')} {value}" for name, value in smoke.items())
    parser.add_argument(
        "--smoke", action="store_true", help=f"a run for CI: {sizes or 'the full run, it is small'}"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args(argv)
    return args
