"""Issue 19, items 12, 17 and 18: bad settings are refused at start in one line that
names the variable and what it accepts, never echoing the value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from certflow.errors import ConfigError
from certflow.settings import load_settings
from cli.main import main

KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def _refusal(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    return caught.value.user_message


def test_a_malformed_database_url_is_one_line_naming_the_variable() -> None:
    result = CliRunner().invoke(main, ["status"], env={"DATABASE_URL": "notaurl"})

    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: invalid configuration: DATABASE_URL: must be a URL like"
        " postgresql://user@host:5432/certflow"
    ]
    assert "notaurl" not in result.output


@pytest.mark.parametrize("level", ["LOUD", "verbose", "10"])
def test_an_unknown_log_level_is_refused(level: str) -> None:
    message = _refusal({"LOG_LEVEL": level})

    assert message.startswith("invalid configuration: LOG_LEVEL:")
    assert "'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'" in message
    assert load_settings({"LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_a_bad_boolean_names_the_variable_and_the_accepted_values() -> None:
    message = _refusal({"AUTO_CLAIM": "maybe"})

    assert message == (
        "invalid configuration: AUTO_CLAIM: not a boolean (accepted: true/false, 1/0,"
        " yes/no, on/off)"
    )


@pytest.mark.parametrize("key", [KEY[:-1], "0x" + KEY[:-1], KEY + "00", "0x" + "zz" * 32])
def test_a_signer_key_that_is_not_32_bytes_is_refused_naming_the_variable(key: str) -> None:
    message = _refusal({"SIGNER_PRIVATE_KEY": key})

    assert "SIGNER_PRIVATE_KEY: must be exactly 32 bytes: 64 hex digits" in message
    assert key not in message


def test_a_32_byte_key_is_accepted_with_or_without_0x(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY[:-2] + "\n")
    for key in (KEY, "0x" + KEY, f"  0x{KEY}\n"):
        loaded = load_settings({"SIGNER_PRIVATE_KEY": key}).signer_private_key
        assert loaded is not None
        assert loaded.get_secret_value() in (KEY, "0x" + KEY)
    assert "SIGNER_PRIVATE_KEY_FILE: the key must be exactly 32 bytes" in _refusal(
        {"SIGNER_PRIVATE_KEY_FILE": str(key_file)}
    )
