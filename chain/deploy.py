"""Dev deployment: a grant-only PublicLock, SchemaRegistry, EAS and the V2 schema.

The one way in is the CLI (``certflow chain deploy-dev``, ``certflow chain
register-schema``, ``certflow demo``), which takes the signer from settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eth_abi.abi import encode
from web3 import Web3

from certflow.errors import ChainRejected
from chain import contracts
from chain.abi import MAX_UINT256, ZERO_ADDRESS, calldata, checksum, hex32, to_bytes32
from chain.attestation import SCHEMA, schema_uid
from chain.rpc import chain_errors
from chain.transactions import SentTransaction, Signer, send_direct

#: How deployment sends: (intent, intent key, to, data). Workers' sender in commands
#: (``issuance.transactions.sender``, so nonces stay in step); ``send_direct`` in tests and scripts.
Send = Callable[[str, str, str | None, bytes], SentTransaction]


def direct(w3: Web3, signer: Signer) -> Send:
    """Sending with the node's nonce and no bookkeeping (one-off scripts, test fixtures)."""
    return lambda _intent, _key, to, data: send_direct(w3, signer, to, data)


LOCK_NAME = "Bootcamp Certificate"
INITIALIZE = "initialize(address,uint256,address,uint256,uint256,string)"
REGISTER = "register(string,address,bool)"


@dataclass(frozen=True)
class DevDeployment:
    """Addresses and ids of a dev deployment, named as in .env."""

    eas_contract_address: str
    schema_registry_address: str
    lock_address: str
    lock_manager_address: str
    bootcamp_completion_schema_uid: str

    def env(self) -> dict[str, str]:
        return {name.upper(): value for name, value in vars(self).items()}

    def env_lines(self) -> str:
        """``NAME=value`` lines for a .env file."""
        return "".join(f"{name}={value}\n" for name, value in self.env().items())


@dataclass(frozen=True)
class SchemaRegistration:
    uid: str
    #: False when the schema was already registered (nothing was sent).
    created: bool


def deploy_contract(
    w3: Web3,
    signer: Signer,
    artifact: contracts.Artifact,
    ctor: bytes = b"",
    *,
    send: Send | None = None,
    key: str = "",
) -> str:
    """Deploy shipped bytecode (plus encoded constructor args); the new address."""
    send = send or direct(w3, signer)
    sent = send("deploy", f"{key}deploy:{artifact.name}", None, artifact.bytecode + ctor)
    address = sent.receipt["contractAddress"]
    if address is None:
        raise ChainRejected(f"deploying {artifact.name} created no contract")
    return checksum(address)


def deploy_lock(
    w3: Web3,
    signer: Signer,
    name: str = LOCK_NAME,
    max_keys: int = 0,
    key_price: int = 0,
    *,
    send: Send | None = None,
    key: str = "",
) -> str:
    """A PublicLock initialized with the signer as lock manager.

    ``max_keys = 0`` makes ``purchase`` revert for everyone, while the lock
    manager can still ``grantKeys``: certificates are granted, never bought.
    Keys never expire (``type(uint256).max``), and the price is in ETH (token 0).
    """
    send = send or direct(w3, signer)
    lock = deploy_contract(w3, signer, contracts.public_lock(), send=send, key=key)
    args = [signer.address, MAX_UINT256, ZERO_ADDRESS, key_price, max_keys, name]
    send("initialize_lock", f"{key}initialize:{lock}", lock, calldata(INITIALIZE, args))
    return lock


def register_schema(
    w3: Web3,
    signer: Signer,
    registry: str,
    *,
    schema: str = SCHEMA,
    resolver: str = ZERO_ADDRESS,
    revocable: bool = False,
    send: Send | None = None,
) -> SchemaRegistration:
    """Register ``schema`` unless the registry already has it; its uid either way.

    The intent key names the chain, registry and schema: registering again
    after a crash finds the transaction already sent.
    """
    uid = schema_uid(schema, resolver, revocable)
    contract = w3.eth.contract(address=checksum(registry), abi=contracts.schema_registry().abi)
    with chain_errors("reading schema"):
        record = contract.functions.getSchema(to_bytes32(uid)).call()
    if hex32(bytes(record[0])) == uid:
        return SchemaRegistration(uid, created=False)
    send = send or direct(w3, signer)
    data = calldata(REGISTER, [schema, checksum(resolver), revocable])
    with chain_errors("reading chain id"):
        chain_id = int(w3.eth.chain_id)
    send(
        "register_schema", f"register_schema:{chain_id}:{checksum(registry)}:{uid}", registry, data
    )
    with chain_errors("reading schema"):
        record = contract.functions.getSchema(to_bytes32(uid)).call()
    if hex32(bytes(record[0])) != uid or record[3] != schema:
        raise ChainRejected(
            f"schema registry did not store the schema under the expected uid {uid}"
        )
    return SchemaRegistration(uid, created=True)


def deploy_dev(
    w3: Web3,
    signer: Signer,
    lock_name: str = LOCK_NAME,
    *,
    send: Send | None = None,
    run: str = "",
) -> DevDeployment:
    """Deploy everything certflow needs on a dev chain; the .env values.

    ``run`` prefixes every intent key: one deployment per run id, ever.
    """
    send = send or direct(w3, signer)
    key = f"deploy_dev:{run}:" if run else ""
    registry = deploy_contract(w3, signer, contracts.schema_registry(), send=send, key=key)
    eas = deploy_contract(
        w3, signer, contracts.eas(), encode(["address"], [registry]), send=send, key=key
    )
    lock = deploy_lock(w3, signer, lock_name, send=send, key=key)
    schema = register_schema(w3, signer, registry, send=send)
    return DevDeployment(
        eas_contract_address=eas,
        schema_registry_address=registry,
        lock_address=lock,
        lock_manager_address=signer.address,
        bootcamp_completion_schema_uid=schema.uid,
    )
