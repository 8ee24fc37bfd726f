"""One typed settings object, read once from an explicit environment mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, SecretStr, ValidationError, model_validator

from certflow.errors import ConfigError
from certflow.settings_types import (
    BOOLEAN_WORDS,
    DatabaseUrl,
    LogLevelName,
    Networks,
    PrivateKey,
    Rate,
    private_key,
)
from certflow.settings_webhooks import WebhookSettings

LogFormat = Literal["json", "console"]
#: Chain ids of local development nodes (anvil, Hardhat, Ganache).
DEV_CHAIN_IDS = frozenset({31337, 1337})


class Settings(WebhookSettings):
    """certflow's configuration. Field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    database_url: DatabaseUrl = Field(
        "postgresql://postgres@127.0.0.1:5432/certflow", alias="DATABASE_URL"
    )
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")
    # Key prefix of every queue: two deployments (or test runs) can share a Redis.
    broker_namespace: str = Field("certflow", alias="BROKER_NAMESPACE", min_length=1)

    rpc_url: str = Field("http://127.0.0.1:8545", alias="RPC_URL")
    chain_id: int = Field(31337, alias="CHAIN_ID")
    signer_private_key: PrivateKey = Field(None, alias="SIGNER_PRIVATE_KEY")
    signer_private_key_file: Path | None = Field(None, alias="SIGNER_PRIVATE_KEY_FILE")
    lock_manager_address: str | None = Field(None, alias="LOCK_MANAGER_ADDRESS")
    eas_contract_address: str | None = Field(None, alias="EAS_CONTRACT_ADDRESS")
    bootcamp_completion_schema_uid: str | None = Field(None, alias="BOOTCAMP_COMPLETION_SCHEMA_UID")
    bootcamp_certificates_enabled: bool = Field(False, alias="BOOTCAMP_CERTIFICATES_ENABLED")
    auto_claim: bool = Field(False, alias="AUTO_CLAIM")
    rpc_timeout_seconds: float = Field(30.0, alias="RPC_TIMEOUT_SECONDS")
    #: The source bounds the "already has a key?" check at 5 s.
    key_check_timeout_seconds: float = Field(5.0, alias="KEY_CHECK_TIMEOUT_SECONDS", gt=0)
    receipt_timeout_seconds: float = Field(60.0, alias="RECEIPT_TIMEOUT_SECONDS", gt=0)
    #: Keys per grantKeys (~146k gas each: 150 keys use ~22M of a 30M block).
    grant_batch_max: int = Field(150, alias="GRANT_BATCH_MAX", gt=0, le=190)
    #: Attestations per multiAttest at most; a batch is cut further to fit the block's gas
    #: (~594k gas each with short names: 50 use 29.7M of 30M). 20 (~12M gas, 14M with
    #: the sender's headroom) leave room for a second one, or other traffic, in a block:
    #: batches of 40 needed a block each and queued for blocks in a burst, for 0.14% less
    #: gas per certificate.
    attest_batch_max: int = Field(20, alias="ATTEST_BATCH_MAX", gt=0, le=150)
    #: Off-chain attestation UIDs per multiTimestamp at most (~24.8k gas each at 100).
    anchor_batch_max: int = Field(200, alias="ANCHOR_BATCH_MAX", gt=0, le=1000)
    #: Anchor an off-chain batch as one Merkle root with EAS.timestamp (each UID keeps its
    #: proof) instead of every UID with multiTimestamp.
    anchor_merkle: bool = Field(False, alias="ANCHOR_MERKLE")
    #: Blocks on top of a transaction's block before it counts as final (0: its first receipt).
    chain_confirmations: int = Field(0, alias="CHAIN_CONFIRMATIONS", ge=0)
    #: A transaction not mined after this long is replaced at the same nonce with higher fees.
    fee_bump_after_seconds: float = Field(30.0, alias="FEE_BUMP_AFTER_SECONDS", gt=0)
    #: The most a transaction may offer per gas (wei); above it the sender waits. None: no cap.
    max_fee_per_gas_wei: int | None = Field(None, alias="MAX_FEE_PER_GAS_WEI", gt=0)
    #: Where log scans start when not at the contract's deployment block (found on first use).
    log_scan_start_block: int | None = Field(None, alias="LOG_SCAN_START_BLOCK", ge=0)
    #: Blocks per eth_getLogs request (hosted providers refuse wide ranges).
    log_scan_max_blocks: int = Field(5000, alias="LOG_SCAN_MAX_BLOCKS", gt=0)
    #: The reconciler re-checks transactions mined in this many latest blocks (reorgs).
    reorg_recheck_blocks: int = Field(64, alias="REORG_RECHECK_BLOCKS", ge=0)
    #: A batch not recorded after this long is taken over (its owner is presumed dead).
    batch_stale_seconds: int = Field(120, alias="BATCH_STALE_SECONDS", gt=0)
    #: Dev chains only (anvil automine): mine a block when a receipt is slow.
    dev_mine_when_slow: bool = Field(False, alias="DEV_MINE_WHEN_SLOW")
    #: The reconciler heals claims and attestations stuck for longer than this.
    reconcile_after_seconds: int = Field(120, alias="RECONCILE_AFTER_SECONDS", ge=0)
    #: A sent event with no ledger row of its actor after this long was lost: send again.
    redeliver_after_seconds: int = Field(600, alias="REDELIVER_AFTER_SECONDS", ge=0)
    #: Rows the reconciler looks at per state and pass.
    reconcile_batch: int = Field(1000, alias="RECONCILE_BATCH", gt=0)
    #: Dispatched events and ledger keys older than this are pruned (30 days).
    retention_seconds: int = Field(30 * 86400, alias="RETENTION_SECONDS", ge=3600)
    #: Rows deleted per prune statement, and statements per pass (bounded work).
    prune_batch: int = Field(5000, alias="PRUNE_BATCH", gt=0)
    prune_max_batches: int = Field(20, alias="PRUNE_MAX_BATCHES", gt=0)

    s3_endpoint: str = Field("http://127.0.0.1:9000", alias="S3_ENDPOINT")
    s3_access_key: SecretStr | None = Field(None, alias="S3_ACCESS_KEY")
    s3_secret_key: SecretStr | None = Field(None, alias="S3_SECRET_KEY")
    s3_bucket: str = Field("certificates", alias="S3_BUCKET")
    # MinIO ignores the region, but S3 signatures (and presigned URLs) include it.
    s3_region: str = Field("us-east-1", alias="S3_REGION")
    certificate_url_ttl: int = Field(3600, alias="CERTIFICATE_URL_TTL", gt=0, le=7 * 24 * 3600)
    # Where `certflow web` listens by default (PORT 8000), so a fresh setup's QR codes open.
    verify_base_url: str = Field("http://localhost:8000/verify", alias="VERIFY_BASE_URL")

    # The verification site (`certflow web`). PORT is what Procfile platforms set.
    port: int = Field(8000, alias="PORT", gt=0, lt=65536)
    #: Bearer token of the learner-certificates API; unset, that API answers 404.
    web_api_token: SecretStr | None = Field(None, alias="WEB_API_TOKEN")
    #: The organization named on the page and in the LinkedIn add-to-profile form.
    issuer_name: str = Field("certflow", alias="ISSUER_NAME", min_length=1)
    #: The credentials' issuer (a did:web); unset, did:web of VERIFY_BASE_URL's host.
    issuer_did: str | None = Field(None, alias="ISSUER_DID")
    #: Signs the Open Badges credentials and status lists (an Ed25519 secretKeyMultibase,
    #: z3u2…); only the render worker and `certflow revoke` are given it.
    credential_signing_key: SecretStr | None = Field(None, alias="CREDENTIAL_SIGNING_KEY")
    credential_signing_key_file: Path | None = Field(None, alias="CREDENTIAL_SIGNING_KEY_FILE")
    #: PAdES signing of the PDFs: the issuer's certificate (PEM, its chain after it) and its
    #: key (the render worker only); unset, PDFs are not signed. The site and `certflow
    #: verify` validate signatures against the chain's root in the certificate file.
    pdf_signing_cert_file: Path | None = Field(None, alias="PDF_SIGNING_CERT_FILE")
    pdf_signing_key_file: Path | None = Field(None, alias="PDF_SIGNING_KEY_FILE")
    #: An RFC 3161 timestamp authority: with it PDF signatures are PAdES B-T, else B-B.
    tsa_url: str | None = Field(None, alias="TSA_URL")
    #: Explorer link templates ({tx}, {address}, {uid}); unset, values are shown unlinked.
    explorer_tx_url: str | None = Field(None, alias="EXPLORER_TX_URL")
    explorer_address_url: str | None = Field(None, alias="EXPLORER_ADDRESS_URL")
    eas_explorer_url: str | None = Field(None, alias="EAS_EXPLORER_URL")
    #: How long the page reuses a chain or storage read: a shared link must not hammer the RPC.
    verify_cache_seconds: float = Field(30.0, alias="VERIFY_CACHE_SECONDS", ge=0)
    #: The page's bound on one RPC call: a slow node must not hold a visitor for 30 s.
    verify_rpc_timeout_seconds: float = Field(3.0, alias="VERIFY_RPC_TIMEOUT_SECONDS", gt=0)

    # The admin pages (/admin) of the web process: unset ADMIN_DATABASE_URL, they answer 404.
    #: The admin role's login (certflow_admin), used by the admin pages only.
    admin_database_url: SecretStr | None = Field(None, alias="ADMIN_DATABASE_URL")
    #: Who may sign in: ``name:role:hash`` entries, comma-separated; role admin or viewer,
    #: hash from ``certflow admin-password-hash``.
    admin_users: SecretStr | None = Field(None, alias="ADMIN_USERS")
    #: A header a trusted reverse proxy sets to the signed-in user (it must strip the
    #: client's own); unset, the header is ignored.
    admin_proxy_header: str | None = Field(None, alias="ADMIN_PROXY_HEADER")
    #: Comma-separated proxy users with the admin role; every other proxy user is a viewer.
    admin_proxy_admins: str = Field("", alias="ADMIN_PROXY_ADMINS")
    #: Signs the admin sign-in form's CSRF cookie; sessions themselves live in Postgres.
    web_session_secret: SecretStr | None = Field(None, alias="WEB_SESSION_SECRET")
    #: Peers (addresses or networks) whose ADMIN_PROXY_HEADER and X-Forwarded-For/-Proto
    #: are believed; from anyone else those headers are dropped and logged.
    admin_trusted_proxies: Networks = Field("", alias="ADMIN_TRUSTED_PROXIES")
    #: Host names the site answers for (Host header); unset: VERIFY_BASE_URL's and localhost.
    allowed_hosts: str | None = Field(None, alias="ALLOWED_HOSTS")
    #: Sign-in attempts (limits' notation), counted in Redis across web processes.
    admin_login_limit_per_account: Rate = Field(
        "5/minute;20/hour", alias="ADMIN_LOGIN_LIMIT_PER_ACCOUNT"
    )
    admin_login_limit_per_address: Rate = Field("20/minute", alias="ADMIN_LOGIN_LIMIT_PER_ADDRESS")
    #: Password hashes (scrypt, 32 MiB each) computed at once; more attempts get a 503.
    admin_login_concurrency: int = Field(2, alias="ADMIN_LOGIN_CONCURRENCY", gt=0, le=16)
    #: The largest file POST /verify reads (a certificate PDF is ~60 kB).
    max_upload_bytes: int = Field(5 * 1024 * 1024, alias="MAX_UPLOAD_BYTES", gt=0)

    # The HTTP API (/api/v1) of the web process (README "For app developers"): its login, a
    # member of certflow_api (unset: the API answers 404); rate limits per key, per token
    # and a learner's retries (counted in Redis); the body cap; JWKS caching; clock skew.
    api_database_url: SecretStr | None = Field(None, alias="API_DATABASE_URL")
    api_key_rate_limit: Rate = Field("1200/minute", alias="API_KEY_RATE_LIMIT")
    api_learner_rate_limit: Rate = Field("120/minute", alias="API_LEARNER_RATE_LIMIT")
    api_retry_rate_limit: Rate = Field("5/hour", alias="API_RETRY_RATE_LIMIT")
    api_max_body_bytes: int = Field(16_384, alias="API_MAX_BODY_BYTES", gt=0, le=1_048_576)
    api_jwks_cache_seconds: int = Field(300, alias="API_JWKS_CACHE_SECONDS", gt=0)
    api_jwks_min_refresh_seconds: float = Field(30.0, alias="API_JWKS_MIN_REFRESH_SECONDS", ge=0)
    api_auth_cache_seconds: float = Field(30.0, alias="API_AUTH_CACHE_SECONDS", ge=0)
    api_jwt_leeway_seconds: int = Field(30, alias="API_JWT_LEEWAY_SECONDS", ge=0, le=300)

    log_level: LogLevelName = Field("INFO", alias="LOG_LEVEL")
    log_format: LogFormat = Field("console", alias="LOG_FORMAT")

    relay_batch_size: int = Field(500, alias="RELAY_BATCH_SIZE", gt=0)
    #: Events per message for batched actors (check_completion, evaluate_achievements);
    #: 1 sends one message per event.
    actor_batch_size: int = Field(200, alias="ACTOR_BATCH_SIZE", gt=0)
    relay_poll_seconds: float = Field(0.5, alias="RELAY_POLL_SECONDS", gt=0)
    # false: poll only (for poolers that cannot LISTEN, and as the bench baseline)
    relay_notify: bool = Field(True, alias="RELAY_NOTIFY")
    worker_poll_ms: int = Field(20, alias="WORKER_POLL_MS", gt=0)
    worker_heartbeat_timeout_ms: int = Field(60_000, alias="WORKER_HEARTBEAT_TIMEOUT_MS", gt=0)
    broker_maintenance_chance: int = Field(1000, alias="BROKER_MAINTENANCE_CHANCE", ge=0)
    max_retries: int = Field(8, alias="MAX_RETRIES", ge=0)
    min_backoff_ms: int = Field(500, alias="MIN_BACKOFF_MS", gt=0)
    max_backoff_ms: int = Field(60_000, alias="MAX_BACKOFF_MS", gt=0)

    # Operations: metrics bind to localhost, one port per process type so several
    # processes on one host never collide; 0 turns a process's endpoint off.
    metrics_host: str = Field("127.0.0.1", alias="METRICS_HOST")
    #: dramatiq's own default port, for its Prometheus middleware's metric names.
    worker_metrics_port: int = Field(9191, alias="WORKER_METRICS_PORT", ge=0, lt=65536)
    relay_metrics_port: int = Field(9192, alias="RELAY_METRICS_PORT", ge=0, lt=65536)
    scheduler_metrics_port: int = Field(9193, alias="SCHEDULER_METRICS_PORT", ge=0, lt=65536)
    web_metrics_port: int = Field(9194, alias="WEB_METRICS_PORT", ge=0, lt=65536)
    #: The scheduler's periods: the reconciler's healing pass, and retention (pruning).
    schedule_reconcile_seconds: float = Field(60.0, alias="SCHEDULE_RECONCILE_SECONDS", gt=0)
    schedule_retention_seconds: float = Field(3600.0, alias="SCHEDULE_RETENTION_SECONDS", gt=0)
    #: After SIGTERM, how long a process may take to finish what it holds before it exits.
    shutdown_grace_seconds: float = Field(30.0, alias="SHUTDOWN_GRACE_SECONDS", gt=0)

    @model_validator(mode="after")
    def _read_key_file(self) -> Settings:
        if self.signer_private_key is None and self.signer_private_key_file is not None:
            try:
                key = self.signer_private_key_file.read_text().strip()
            except OSError as exc:
                raise ValueError(
                    f"SIGNER_PRIVATE_KEY_FILE cannot be read: {exc.strerror}"
                ) from None
            try:
                checked = private_key(SecretStr(key))
            except ValueError as exc:
                raise ValueError(f"SIGNER_PRIVATE_KEY_FILE: the key {exc}") from None
            object.__setattr__(self, "signer_private_key", checked)
        return self

    @model_validator(mode="after")
    def _read_credential_key_file(self) -> Settings:
        path = self.credential_signing_key_file
        if self.credential_signing_key is None and path is not None:
            try:
                key = path.read_text().strip()
            except OSError as exc:
                raise ValueError(
                    f"CREDENTIAL_SIGNING_KEY_FILE cannot be read: {exc.strerror}"
                ) from None
            object.__setattr__(self, "credential_signing_key", SecretStr(key))
        return self

    @model_validator(mode="after")
    def _retention_outlives_redelivery(self) -> Settings:
        # The lost-message scan looks at events younger than half the window, so a
        # key is never pruned while its event could still be re-sent.
        if self.retention_seconds < 4 * self.redeliver_after_seconds:
            raise ValueError("RETENTION_SECONDS must be at least 4 x REDELIVER_AFTER_SECONDS")
        return self

    @model_validator(mode="after")
    def _admin_pages_need_a_login(self) -> Settings:
        if self.admin_database_url is None:
            return self
        if self.web_session_secret is None or len(self.web_session_secret.get_secret_value()) < 32:
            raise ValueError("ADMIN_DATABASE_URL needs WEB_SESSION_SECRET (32 characters or more)")
        if self.admin_users is None and self.admin_proxy_header is None:
            raise ValueError("ADMIN_DATABASE_URL needs ADMIN_USERS or ADMIN_PROXY_HEADER")
        if self.admin_proxy_header and not self.admin_trusted_proxies:
            raise ValueError(
                "ADMIN_PROXY_HEADER needs ADMIN_TRUSTED_PROXIES (the proxy's addresses)"
            )
        return self

    @property
    def is_dev_chain(self) -> bool:
        """anvil's and Hardhat's chain ids: local chains where a localhost URL is expected."""
        return self.chain_id in DEV_CHAIN_IDS

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver named, as SQLAlchemy wants it."""
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def libpq_url(self) -> str:
        """The database URL as libpq (psycopg) wants it."""
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def require(self, *names: str) -> None:
        """Fail with a message naming every variable that these operations need and lack."""
        missing = [
            field.alias or name
            for name, field in type(self).model_fields.items()
            if (field.alias in names or name in names) and getattr(self, name) is None
        ]
        if missing:
            raise ConfigError(f"missing configuration: {', '.join(missing)}")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (the process environment by default)."""
    source = os.environ if environ is None else environ
    try:
        return Settings.model_validate(dict(source))
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            name = ".".join(str(part) for part in err["loc"]) or "settings"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "bool_parsing":
                message = f"not a boolean (accepted: {BOOLEAN_WORDS})"
            problems.append(f"{name}: {message}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None
