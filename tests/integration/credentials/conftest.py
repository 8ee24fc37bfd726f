"""The site with credentials: the web suite's fixtures, with the render given a credential key.

Issuing goes through the real render (which signs the credential in its own
transaction); the site runs in uvicorn as the read-only login user without the
key; Digital Bazaar's verifier runs in node against the site over HTTP.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certflow.settings import Settings
from issuance.credentials.documents import BUNDLED, bundled
from issuance.credentials.multikey import secret_multibase
from render.dev_pki import DevPki, create_dev_pki
from tests.fixtures.anvil import DEV_KEY
from tests.fixtures.database import TEST_ENV, settings_for
from tests.fixtures.s3 import ACCESS_KEY, SECRET_KEY, S3Server
from tests.integration.web.conftest import (  # noqa: F401 - fixtures used by these tests
    chain_env,
    env_of,
    issue,
    site,
    web_database_url,
    web_port,
    web_settings_,
)

SCRIPT = Path(__file__).with_name("dbvc_verify.mjs")
REPO = Path(__file__).resolve().parents[3]
#: Where @digitalbazaar/vc is installed: the project's node_modules (scripts/bootstrap),
#: or a private folder named by this variable (an install for one checkout's tests).
NODE_MODULES_VARIABLE = "CERTFLOW_TEST_NODE_MODULES"


def new_key() -> str:
    return secret_multibase(Ed25519PrivateKey.generate())


@pytest.fixture
def credential_key() -> str:
    return new_key()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    """The issuer's PDF signing certificate, by a development CA."""
    return create_dev_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def settings(
    database_url: str,
    redis_url: str,
    s3_server: S3Server,
    s3_bucket: str,
    chain_env: dict[str, str],  # noqa: F811 - the web suite's fixture
    web_port: int,  # noqa: F811
    credential_key: str,
    pki: DevPki,
) -> Settings:
    """The issuing side (render and revoke): the signer, the credential and PDF keys."""
    return settings_for(
        database_url,
        **TEST_ENV,
        **chain_env,
        REDIS_URL=redis_url,
        S3_ENDPOINT=s3_server.endpoint,
        S3_ACCESS_KEY=ACCESS_KEY,
        S3_SECRET_KEY=SECRET_KEY,
        S3_BUCKET=s3_bucket,
        SIGNER_PRIVATE_KEY=DEV_KEY,
        VERIFY_BASE_URL=f"http://127.0.0.1:{web_port}/verify",
        CREDENTIAL_SIGNING_KEY=credential_key,
        PDF_SIGNING_CERT_FILE=str(pki.signer_cert),
        PDF_SIGNING_KEY_FILE=str(pki.signer_key),
    )


@pytest.fixture
def web_env(settings: Settings, web_database_url: str) -> dict[str, str]:  # noqa: F811
    """The web process's environment: the read-only user, and no key (certificates only)."""
    env = env_of(settings)
    for name in ("SIGNER_PRIVATE_KEY", "CREDENTIAL_SIGNING_KEY", "PDF_SIGNING_KEY_FILE"):
        env.pop(name)
    env["DATABASE_URL"] = web_database_url
    return env


def _node_modules() -> Path:
    override = os.environ.get(NODE_MODULES_VARIABLE)
    found = Path(override) if override else REPO / "node_modules"
    if not (found / "@digitalbazaar" / "vc").is_dir():
        pytest.fail(
            f"@digitalbazaar/vc is not installed in {found}: run scripts/bootstrap "
            f"(or point {NODE_MODULES_VARIABLE} at a folder that has it)"
        )
    return found


def digital_bazaar_verify(credential: Any, origin: str) -> dict[str, Any]:
    """Digital Bazaar's verdict on ``credential``: {verified, errors, status}."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: scripts/bootstrap installs it")
    contexts = {url: bundled(url) for url in BUNDLED}
    with tempfile.TemporaryDirectory() as tmp:
        # A copy beside a node_modules link, so the script's imports resolve there.
        script = Path(tmp) / SCRIPT.name
        shutil.copy(SCRIPT, script)
        (Path(tmp) / "node_modules").symlink_to(_node_modules())
        request = Path(tmp) / "request.json"
        payload = {"credential": credential, "contexts": contexts, "origin": origin}
        request.write_text(json.dumps(payload))
        done = subprocess.run(
            [node, str(script), str(request)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp,
        )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer
