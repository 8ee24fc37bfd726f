"""Issue 19, item 17: every setting is in one of the README's settings tables (a table
row naming the variable in backquotes), so none is found only by reading the code."""

from __future__ import annotations

from pathlib import Path

from certflow.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_a_readme_table() -> None:
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `")]
    documented = " ".join(row.split(" | ", 1)[0] for row in rows)
    variables = [field.alias for field in Settings.model_fields.values() if field.alias]

    assert [name for name in variables if f"`{name}`" not in documented] == []
