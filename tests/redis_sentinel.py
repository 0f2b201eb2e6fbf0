"""A Sentinel-watched pair (master + replica) and three Sentinels, on free ports, for the tests.

``start_sentinel_setup(tls=True)`` starts all five TLS-only (``port 0``, ``tls-port``): the
servers replicate and the Sentinels watch and talk to each other over TLS (``tls-replication
yes``), each asking for a client certificate signed by the test CA (``SentinelTLS``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from tests.redis_server import RedisServer, free_port
from tests.redis_tls import make_ca, make_leaf

SERVICE = "qbmaster"


@dataclass(frozen=True)
class SentinelTLS:
    """The test CA, the certificate every server and Sentinel shows (``localhost`` and
    ``127.0.0.1``, the address the Sentinels give for the master), a client certificate (the
    board's, and the one the servers and Sentinels show to each other), and a CA that signed
    none of them."""

    ca: Path
    other_ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def client_kwargs(self) -> dict[str, Any]:
        return {
            "ssl": True,
            "ssl_ca_certs": str(self.ca),
            "ssl_certfile": str(self.client_cert),
            "ssl_keyfile": str(self.client_key),
        }

    def server_args(self, port: int) -> list[str]:
        return [
            "--port",
            "0",
            "--tls-port",
            str(port),
            "--tls-cert-file",
            str(self.server_cert),
            "--tls-key-file",
            str(self.server_key),
            "--tls-client-cert-file",
            str(self.client_cert),
            "--tls-client-key-file",
            str(self.client_key),
            "--tls-ca-cert-file",
            str(self.ca),
            "--tls-auth-clients",
            "yes",
            "--tls-replication",
            "yes",
        ]


def make_sentinel_tls(directory: Path) -> SentinelTLS:
    ca = make_ca(directory, "qb-sentinel-ca")
    other = make_ca(directory, "qb-sentinel-other-ca")
    server_cert, server_key = make_leaf(
        directory, ca, "redis-sentinel-server", dns=("localhost",), ips=("127.0.0.1",)
    )
    client_cert, client_key = make_leaf(directory, ca, "queueboard", client=True)
    return SentinelTLS(ca[0], other[0], server_cert, server_key, client_cert, client_key)


def _client(port: int, tls: SentinelTLS | None, **kwargs: Any) -> redis.Redis:
    """A client of the server or Sentinel on ``port`` (over TLS when the setup is)."""
    extra = tls.client_kwargs() if tls else {}
    return redis.Redis(host="127.0.0.1", port=port, **kwargs, **extra)


def _wait(
    port: int, password: str | None = None, timeout: float = 10, tls: SentinelTLS | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _client(port, tls, password=password, socket_timeout=0.5).ping():
                return
        except (redis.RedisError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"Nothing answered on port {port}.")


@dataclass
class SentinelSetup:
    directory: Path
    master: RedisServer
    replica: RedisServer
    sentinel_ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    #: Set when everything speaks TLS only (``start_sentinel_setup(tls=True)``).
    tls: SentinelTLS | None = None

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        scheme = "rediss+sentinel" if self.tls else "redis+sentinel"
        return f"{scheme}://{hosts}/{SERVICE}/0"

    def client(self, port: int, **kwargs: Any) -> redis.Redis:
        """A client of the server (or Sentinel) on ``port``, over TLS when the setup is."""
        return _client(port, self.tls, **kwargs)

    def sentinel(self) -> redis.Redis:
        return self.client(self.sentinel_ports[0], decode_responses=True, socket_timeout=2)

    def master_port(self) -> int:
        _host, port = self.sentinel().sentinel_get_master_addr_by_name(SERVICE)
        return int(port)

    def failover(self, timeout: float = 20) -> int:
        """``SENTINEL FAILOVER`` and wait until the other server is master (its port)."""
        before = self.master_port()
        self.sentinel().execute_command("SENTINEL", "FAILOVER", SERVICE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            after = self.master_port()
            if after != before:
                role = self.client(after, socket_timeout=1).execute_command("ROLE")
                if role[0] == b"master":
                    self._wait_replicating(before)
                    return after
            time.sleep(0.1)
        raise RuntimeError("The failover did not happen in time.")

    def _wait_replicating(self, port: int, timeout: float = 20) -> None:
        """Until the demoted server replicates the new master (so the next failover can go)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.client(port, socket_timeout=1).info("replication")
            if info.get("role") == "slave" and info.get("master_link_status") == "up":
                return
            time.sleep(0.1)
        raise RuntimeError("The demoted master did not start replicating.")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        self.master.stop()
        self.replica.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _start_tls_server(binary: str, server: RedisServer, tls: SentinelTLS, *extra: str) -> None:
    """``server`` as a TLS-only redis-server (``RedisServer.start`` pings in plain text)."""
    server.process = subprocess.Popen(
        [
            binary,
            *tls.server_args(server.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(server.directory),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait(server.port, tls=tls)


def _sentinel_tls_config(tls: SentinelTLS | None, port: int) -> str:
    """The first lines of a Sentinel's config: its port, or its TLS port and certificates."""
    if tls is None:
        return f"port {port}\n"
    args = tls.server_args(port)
    return "".join(f"{args[i].removeprefix('--')} {args[i + 1]}\n" for i in range(0, len(args), 2))


def start_sentinel_setup(*, tls: bool = False) -> SentinelSetup:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server).")
    directory = Path(tempfile.mkdtemp(prefix="qb-sentinel-"))
    (directory / "master").mkdir()
    (directory / "replica").mkdir()
    files = make_sentinel_tls(directory) if tls else None
    master = RedisServer(port=free_port(), directory=directory / "master")
    replica = RedisServer(port=free_port(), directory=directory / "replica")
    setup = SentinelSetup(directory, master, replica, tls=files)
    try:
        if files is None:
            master.start()
            replica.start("--replicaof", "127.0.0.1", str(master.port))
        else:
            _start_tls_server(binary, master, files)
            _start_tls_server(binary, replica, files, "--replicaof", "127.0.0.1", str(master.port))
        _wait_link(replica.port, files)
        for index in range(3):
            port = free_port()
            config = directory / f"sentinel-{index}.conf"
            config.write_text(
                _sentinel_tls_config(files, port) + "bind 127.0.0.1\n"
                f"dir {directory}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 2\n"
                f"sentinel down-after-milliseconds {SERVICE} 1000\n"
                f"sentinel failover-timeout {SERVICE} 5000\n"
                f"sentinel parallel-syncs {SERVICE} 1\n",
                encoding="utf-8",
            )
            setup.processes.append(
                subprocess.Popen(
                    [binary, str(config), "--sentinel"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            setup.sentinel_ports.append(port)
        for port in setup.sentinel_ports:
            _wait(port, tls=files)
        _wait_sentinels_know(setup)
    except BaseException:
        setup.stop()
        raise
    return setup


def _wait_link(port: int, tls: SentinelTLS | None = None, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _client(port, tls).info("replication").get("master_link_status") == "up":
            return
        time.sleep(0.05)
    raise RuntimeError("The replica did not connect to its master.")


def _wait_sentinels_know(setup: SentinelSetup, timeout: float = 15) -> None:
    """Until every Sentinel sees the replica and the other two Sentinels (a failover needs it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = True
        for port in setup.sentinel_ports:
            client = setup.client(port, decode_responses=True, socket_timeout=1)
            master = client.sentinel_master(SERVICE)
            if (
                int(master.get("num-other-sentinels", 0)) < 2
                or int(master.get("num-slaves", 0)) < 1
            ):
                ready = False
        if ready:
            return
        time.sleep(0.1)
    raise RuntimeError("The Sentinels did not find each other and the replica in time.")
