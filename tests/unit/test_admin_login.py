"""Admin credentials: scrypt hashes, the ADMIN_USERS list, and the settings the admin
pages need before they are switched on."""

from __future__ import annotations

import pytest

from certflow.errors import ConfigError
from certflow.settings import load_settings
from web.passwords import check_password, hash_password, parse_users


def test_a_hash_accepts_its_password_only() -> None:
    encoded = hash_password("s3cret pass")

    assert encoded.startswith("scrypt$")
    assert "s3cret" not in encoded
    assert check_password("s3cret pass", encoded) is True
    assert check_password("s3cret pasS", encoded) is False
    assert check_password("s3cret pass", "scrypt$broken") is False
    assert hash_password("same") != hash_password("same")  # salted


def test_admin_users_are_name_role_hash_entries() -> None:
    digest = hash_password("pw")

    users = parse_users(f"ada:admin:{digest}, vic:viewer:{digest}")

    assert {name: user.role for name, user in users.items()} == {"ada": "admin", "vic": "viewer"}
    assert check_password("pw", users["vic"].password_hash)


@pytest.mark.parametrize(
    "entry", ["ada:owner:scrypt$1$2$3$00$00", "ada:admin:plaintext-password", "ada"]
)
def test_a_malformed_entry_names_its_user_and_never_echoes_the_rest(entry: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_users(entry)

    assert "the entry of ada" in caught.value.user_message
    assert "plaintext-password" not in caught.value.user_message


def test_the_admin_pages_need_a_session_secret_and_a_way_to_sign_in() -> None:
    url = {"ADMIN_DATABASE_URL": "postgresql://admin@db/certflow"}
    secret = {"WEB_SESSION_SECRET": "x" * 32}

    with pytest.raises(ConfigError, match="ADMIN_DATABASE_URL needs WEB_SESSION_SECRET"):
        load_settings(url)
    with pytest.raises(ConfigError, match="ADMIN_DATABASE_URL needs WEB_SESSION_SECRET"):
        load_settings({**url, "WEB_SESSION_SECRET": "short"})
    with pytest.raises(ConfigError, match="needs ADMIN_USERS or ADMIN_PROXY_HEADER"):
        load_settings({**url, **secret})
    proxy = {"ADMIN_PROXY_HEADER": "X-Forwarded-User", "ADMIN_TRUSTED_PROXIES": "10.0.0.1"}
    assert load_settings({**url, **secret, **proxy})
    assert load_settings({}).admin_database_url is None
