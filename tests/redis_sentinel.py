"""A Sentinel-watched pair (master + replica) and three Sentinels, on free ports, for the tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.redis_server import RedisServer, free_port

SERVICE = "qbmaster"


def _wait(port: int, password: str | None = None, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, password=password, socket_timeout=0.5).ping():
                return
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError(f"Nothing answered on port {port}.")


@dataclass
class SentinelSetup:
    directory: Path
    master: RedisServer
    replica: RedisServer
    sentinel_ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def sentinel(self) -> redis.Redis:
        return redis.Redis(port=self.sentinel_ports[0], decode_responses=True, socket_timeout=2)

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
                role = redis.Redis(port=after, socket_timeout=1).execute_command("ROLE")
                if role[0] == b"master":
                    self._wait_replicating(before)
                    return after
            time.sleep(0.1)
        raise RuntimeError("The failover did not happen in time.")

    def _wait_replicating(self, port: int, timeout: float = 20) -> None:
        """Until the demoted server replicates the new master (so the next failover can go)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = redis.Redis(port=port, socket_timeout=1).info("replication")
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


def start_sentinel_setup() -> SentinelSetup:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server).")
    directory = Path(tempfile.mkdtemp(prefix="qb-sentinel-"))
    (directory / "master").mkdir()
    (directory / "replica").mkdir()
    master = RedisServer(port=free_port(), directory=directory / "master")
    master.start()
    replica = RedisServer(port=free_port(), directory=directory / "replica")
    replica.start("--replicaof", "127.0.0.1", str(master.port))
    setup = SentinelSetup(directory, master, replica)
    try:
        _wait_link(replica.port)
        for index in range(3):
            port = free_port()
            config = directory / f"sentinel-{index}.conf"
            config.write_text(
                f"port {port}\n"
                "bind 127.0.0.1\n"
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
            _wait(port)
        _wait_sentinels_know(setup)
    except BaseException:
        setup.stop()
        raise
    return setup


def _wait_link(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if redis.Redis(port=port).info("replication").get("master_link_status") == "up":
            return
        time.sleep(0.05)
    raise RuntimeError("The replica did not connect to its master.")


def _wait_sentinels_know(setup: SentinelSetup, timeout: float = 15) -> None:
    """Until every Sentinel sees the replica and the other two Sentinels (a failover needs it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = True
        for port in setup.sentinel_ports:
            client = redis.Redis(port=port, decode_responses=True, socket_timeout=1)
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
