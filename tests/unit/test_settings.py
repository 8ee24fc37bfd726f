from __future__ import annotations

from pathlib import Path

import pytest

from certflow.errors import ConfigError
from certflow.settings import load_settings

DEV_KEY = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's published key
)


def test_defaults_need_nothing_but_give_local_services() -> None:
    settings = load_settings({})
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.certificate_url_ttl == 3600
    assert settings.bootcamp_certificates_enabled is False


def test_invalid_value_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({"CERTIFICATE_URL_TTL": "soon", "LOG_FORMAT": "xml"})
    assert "CERTIFICATE_URL_TTL" in str(err.value)
    assert "LOG_FORMAT" in str(err.value)


def test_require_names_every_missing_variable() -> None:
    settings = load_settings({})
    with pytest.raises(ConfigError) as err:
        settings.require("EAS_CONTRACT_ADDRESS", "LOCK_MANAGER_ADDRESS")
    assert str(err.value) == "missing configuration: LOCK_MANAGER_ADDRESS, EAS_CONTRACT_ADDRESS"


def test_private_key_never_shows_in_repr_or_errors(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(DEV_KEY + "\n")
    settings = load_settings({"SIGNER_PRIVATE_KEY_FILE": str(key_file)})
    assert settings.signer_private_key is not None
    assert settings.signer_private_key.get_secret_value() == DEV_KEY
    assert DEV_KEY not in repr(settings)
    with pytest.raises(ConfigError) as err:
        load_settings({"SIGNER_PRIVATE_KEY": DEV_KEY, "CHAIN_ID": "x"})
    assert DEV_KEY not in str(err.value)


def test_database_url_is_given_to_each_driver_in_its_dialect() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://u@h:5432/d"})
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h:5432/d"
    assert settings.libpq_url == "postgresql://u@h:5432/d"


def test_only_workers_of_the_chain_queue_need_the_signer() -> None:
    from certflow.process_secrets import needs_signer, without_signer

    assert [needs_signer(q) for q in ([], ["chain"], ["completion"], ["render", "chain"])] == [
        True,
        True,
        False,
        True,
    ]
    env = {"SIGNER_PRIVATE_KEY": "k", "SIGNER_PRIVATE_KEY_FILE": "f", "REDIS_URL": "r"}
    assert without_signer(env) == {"REDIS_URL": "r"}


def test_retention_must_outlive_redelivery() -> None:
    with pytest.raises(ConfigError, match="RETENTION_SECONDS must be at least 4 x"):
        load_settings({"RETENTION_SECONDS": "3600", "REDELIVER_AFTER_SECONDS": "1000"})
