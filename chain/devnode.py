"""A local anvil node, run from the binary that the npm package ships.

``@foundry-rs/anvil`` is a Node wrapper; the real executable sits in the
platform package beside it (``@foundry-rs/anvil-linux-amd64/bin/anvil`` on
Linux x64). We run that binary directly: no Node process in between, so a
stop signal reaches anvil itself.
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import requests

from certflow.errors import ChainUnavailable, ConfigError
from chain.contracts import node_modules_dir

#: Env var naming an anvil binary to use instead of the npm one.
ANVIL_BINARY_ENV = "CERTFLOW_ANVIL_BINARY"

_OS_NAMES = {"linux": "linux", "darwin": "darwin", "win32": "win32"}
_ARCH_NAMES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def anvil_binary(node_modules: Path | None = None) -> Path:
    """The anvil executable: $CERTFLOW_ANVIL_BINARY, else the npm platform package's."""
    override = os.environ.get(ANVIL_BINARY_ENV)
    if override:
        return Path(override)
    os_name = _OS_NAMES.get(sys.platform)
    arch = _ARCH_NAMES.get(platform.machine().lower())
    if os_name is None or arch is None:
        raise ConfigError(f"no anvil package for {sys.platform}/{platform.machine()}")
    exe = "anvil.exe" if os_name == "win32" else "anvil"
    base = node_modules or node_modules_dir()
    path = base / "@foundry-rs" / f"anvil-{os_name}-{arch}" / "bin" / exe
    if not path.is_file():
        raise ConfigError(f"anvil binary not found at {path}: run `npm install`")
    return path


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rpc_answers(url: str, timeout: float = 1.0) -> bool:
    """Whether ``url`` answers a JSON-RPC ``eth_chainId``."""
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    try:
        response = requests.post(url, json=body, timeout=timeout)
        return response.ok and "result" in response.json()
    except (requests.RequestException, ValueError):
        return False


class DevNode:
    """An anvil process on a fixed port that can be stopped, paused and restarted.

    The chain state is kept in a state file (anvil ``--state``), so a stop and
    start models a node outage without losing deployed contracts.
    """

    def __init__(
        self,
        port: int | None = None,
        chain_id: int = 31337,
        block_time: float | None = None,
        state_dir: Path | None = None,
        start_timeout: float = 20.0,
    ) -> None:
        self.port = port or free_port()
        self.chain_id = chain_id
        self.block_time = block_time
        self.start_timeout = start_timeout
        self._tmp = None if state_dir else tempfile.TemporaryDirectory(prefix="certflow-anvil-")
        self.state_dir = state_dir or Path(self._tmp.name if self._tmp else ".")
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _argv(self) -> list[str]:
        argv = [
            str(anvil_binary()),
            *("--host", "127.0.0.1", "--port", str(self.port)),
            *("--chain-id", str(self.chain_id)),
            *("--state", str(self.state_dir / "state.json")),
            "--silent",
        ]
        if self.block_time is not None:
            argv += ["--block-time", str(self.block_time)]
        return argv

    def start(self) -> None:
        """Start anvil and wait until it answers JSON-RPC."""
        if self.running:
            return
        log = (self.state_dir / "anvil.log").open("ab")
        self._process = subprocess.Popen(self._argv(), stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ChainUnavailable(
                    f"anvil exited with {self._process.returncode}; see {self.state_dir}/anvil.log"
                )
            if rpc_answers(self.url):
                return
            time.sleep(0.05)
        self.stop()
        raise ChainUnavailable(f"anvil did not answer on {self.url} in {self.start_timeout}s")

    def stop(self) -> None:
        """Stop anvil gracefully (it writes its state file on the way out)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGCONT)  # a paused process cannot handle SIGTERM
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop and start again on the same port, with the same chain state."""
        self.stop()
        self.start()

    def pause(self) -> None:
        """Freeze anvil (SIGSTOP): it accepts connections but never answers."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Unfreeze a paused anvil."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        """Stop anvil and remove its temporary state directory."""
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> DevNode:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
