"""Contract artifacts (ABI + creation bytecode) read from the npm packages.

Nothing is compiled here: the Unlock and EAS packages ship Hardhat artifacts,
and deploying their exact bytecode is what makes the dev chain match mainnet.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from certflow.errors import ConfigError

#: Env var that points at a node_modules directory other than the repo's.
NODE_MODULES_ENV = "CERTFLOW_NODE_MODULES"
#: The oldest PublicLock whose behaviour certflow relies on (grant-only locks).
MIN_PUBLIC_LOCK_VERSION = 15

_REPO_ROOT = Path(__file__).resolve().parent.parent
_UNLOCK_ABIS = "@unlock-protocol/contracts/dist/abis/PublicLock"
_EAS_ARTIFACTS = "@ethereum-attestation-service/eas-contracts/artifacts/contracts"


@dataclass(frozen=True)
class Artifact:
    """One contract as shipped: its name, ABI and creation bytecode."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes


def node_modules_dir() -> Path:
    """The node_modules holding the contract packages and anvil."""
    override = os.environ.get(NODE_MODULES_ENV)
    path = Path(override) if override else _REPO_ROOT / "node_modules"
    if not path.is_dir():
        raise ConfigError(f"node_modules not found at {path}: run `npm install` in {_REPO_ROOT}")
    return path


def _read_artifact(path: Path) -> Artifact:
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read contract artifact {path}: {exc}") from exc
    bytecode = raw.get("bytecode", "")
    if raw.get("linkReferences") or not bytecode.startswith("0x") or len(bytecode) <= 2:
        raise ConfigError(f"artifact {path} has no deployable bytecode")
    return Artifact(raw["contractName"], raw["abi"], bytes.fromhex(bytecode[2:]))


def newest_public_lock_path(node_modules: Path) -> Path:
    """The PublicLockV<N>.json with the highest N (at least V15)."""
    found: dict[int, Path] = {}
    for path in (node_modules / _UNLOCK_ABIS).glob("PublicLockV*.json"):
        match = re.fullmatch(r"PublicLockV(\d+)\.json", path.name)
        if match:
            found[int(match.group(1))] = path
    if not found or max(found) < MIN_PUBLIC_LOCK_VERSION:
        raise ConfigError(
            f"no PublicLock V{MIN_PUBLIC_LOCK_VERSION}+ in {node_modules / _UNLOCK_ABIS}"
        )
    return found[max(found)]


@cache
def _load(name: str, node_modules: Path) -> Artifact:
    if name == "PublicLock":
        return _read_artifact(newest_public_lock_path(node_modules))
    return _read_artifact(node_modules / _EAS_ARTIFACTS / f"{name}.sol" / f"{name}.json")


def public_lock() -> Artifact:
    """Unlock's PublicLock implementation, newest version shipped."""
    return _load("PublicLock", node_modules_dir())


def schema_registry() -> Artifact:
    """EAS SchemaRegistry."""
    return _load("SchemaRegistry", node_modules_dir())


def eas() -> Artifact:
    """EAS (the attestation contract)."""
    return _load("EAS", node_modules_dir())


@cache
def _error_names(node_modules: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    for artifact in (
        _load("PublicLock", node_modules),
        _load("SchemaRegistry", node_modules),
        _load("EAS", node_modules),
    ):
        for item in artifact.abi:
            if item.get("type") == "error":
                types = ",".join(arg["type"] for arg in item["inputs"])
                selector = keccak(text=f"{item['name']}({types})")[:4].hex()
                names[selector] = item["name"]
    return names


def custom_error_name(revert_data: str) -> str | None:
    """The Solidity custom error (e.g. ``LOCK_SOLD_OUT``) that revert data starts with."""
    selector = revert_data.removeprefix("0x")[:8].lower()
    try:
        return _error_names(node_modules_dir()).get(selector)
    except ConfigError:
        return None
