"""Checked value types of the settings: each refuses a bad value with a message that
names what is accepted (the settings loader adds the variable's name), never the value."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, SecretStr

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
#: What pydantic accepts as a boolean, said in the error of a bad one.
BOOLEAN_WORDS = "true/false, 1/0, yes/no, on/off"
_PRIVATE_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def _log_level(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def private_key(value: SecretStr | None) -> SecretStr | None:
    if value is None or not value.get_secret_value():
        return value
    if not _PRIVATE_KEY.match(value.get_secret_value().strip()):
        raise ValueError("must be exactly 32 bytes: 64 hex digits, optionally after 0x")
    return SecretStr(value.get_secret_value().strip())


def _database_url(value: str) -> str:
    try:
        valid = value.startswith(_DATABASE_SCHEMES) and urlsplit(value).port != 0
    except ValueError:  # a port that is not a number
        valid = False
    if not valid:
        raise ValueError("must be a URL like postgresql://user@host:5432/certflow")
    return value


def networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (``10.0.0.5``, ``10.0.0.0/8``, ``::1``)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    )


def _networks(value: str) -> str:
    try:
        networks(value)
    except ValueError:
        raise ValueError("must be comma-separated addresses or networks, e.g. 10.0.0.0/8") from None
    return value


def _rate(value: str) -> str:
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValueError("must be a rate like 5/minute or 5/minute;20/hour") from None
    return value


PrivateKey = Annotated[SecretStr | None, AfterValidator(private_key)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
Networks = Annotated[str, AfterValidator(_networks)]
Rate = Annotated[str, AfterValidator(_rate)]
LogLevelName = Annotated[LogLevel, BeforeValidator(_log_level)]
