"""A Redis Cluster of three primaries and three replicas on free ports, for the tests.

Started with ``redis-server --cluster-enabled yes`` and ``redis-cli --cluster create``; the
helpers fail a primary over to its replica, gently (``CLUSTER FAILOVER`` on the replica) or by
stopping the primary's process, and wait until every node agrees on the new owner.
"""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.cluster import key_slot

#: A cluster node's bus listens on its port + 10000: ports are picked where both fit and are free.
BUS_OFFSET = 10_000
NODES = 6


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20_000, 40_000)
        if port not in ports and _free(port) and _free(port + BUS_OFFSET):
            ports.append(port)
    return ports


def _node(port: int) -> redis.Redis:
    return redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)


@dataclass
class ClusterSetup:
    directory: Path
    ports: list[int]
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The URL of one node (the board finds the others from it)."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start_node(self, port: int) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server).")
        self.processes[port] = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(self.directory / f"nodes-{port}.conf"),
                "--cluster-node-timeout",
                "2000",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_ping(port)

    def stop_node(self, port: int) -> None:
        process = self.processes.pop(port, None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(5)

    def stop(self) -> None:
        for port in list(self.processes):
            self.stop_node(port)
        shutil.rmtree(self.directory, ignore_errors=True)

    def client(self) -> redis.RedisCluster:
        return redis.RedisCluster(host="127.0.0.1", port=self.ports[0], socket_timeout=5)

    def flushall(self) -> None:
        for port in self.primaries():
            _node(port).flushall()

    def primaries(self) -> list[int]:
        return [port for port in self.running() if _role(port) == "master"]

    def running(self) -> list[int]:
        return [port for port, process in self.processes.items() if process.poll() is None]

    def owner(self, key: str) -> int:
        """The port of the primary serving ``key``'s slot, as the running nodes agree."""
        slot = key_slot(key.encode())
        for port in self.running():
            for start, end, primary, *_replicas in _node(port).execute_command("CLUSTER SLOTS"):
                if start <= slot <= end:
                    return int(primary[1])
        raise RuntimeError(f"No node serves slot {slot}.")

    def replica_of(self, primary: int) -> int:
        node_id = _node(primary).execute_command("CLUSTER MYID").decode()
        for port in self.running():
            info = _node(port).info("replication")
            if info.get("role") == "slave" and int(info.get("master_port", 0)) == primary:
                return port
        raise RuntimeError(f"The primary {primary} ({node_id}) has no replica.")

    def failover(self, key: str) -> tuple[int, int]:
        """``CLUSTER FAILOVER`` on the replica of ``key``'s primary: (old, new) primary port."""
        old = self.owner(key)
        new = self.replica_of(old)
        _wait_synced(new)
        _node(new).execute_command("CLUSTER FAILOVER")
        self.wait_owner(key, new)
        _wait_replicating(old, new)
        return old, new

    def kill_primary(self, key: str) -> tuple[int, int]:
        """Stop the process of ``key``'s primary: (old, new) primary port, once its replica has
        taken over (the nodes notice after ``--cluster-node-timeout``, 2 s)."""
        old = self.owner(key)
        new = self.replica_of(old)
        _wait_synced(new)
        self.stop_node(old)
        self.wait_owner(key, new)
        return old, new

    def rejoin(self, port: int) -> None:
        """Start a stopped node again (it comes back as a replica of its old slots' owner)."""
        self.start_node(port)
        _wait_replicating(port, None)
        self.wait_ok()

    def move_slot(self, key: str, to: int, midway: Callable[[], None]) -> int:
        """Reshard ``key``'s slot to the primary at ``to`` as ``redis-cli --cluster reshard``
        does (IMPORTING, MIGRATING, MIGRATE of its keys, then SETSLOT NODE everywhere), with
        ``midway()`` called when half of its keys have moved (redirects with ASK, scripts
        over both halves refused with TRYAGAIN). Returns the port it moved from."""
        slot = key_slot(key.encode())
        source = self.owner(key)
        source_id = _node(source).execute_command("CLUSTER MYID").decode()
        target_id = _node(to).execute_command("CLUSTER MYID").decode()
        _node(to).execute_command("CLUSTER SETSLOT", slot, "IMPORTING", source_id)
        _node(source).execute_command("CLUSTER SETSLOT", slot, "MIGRATING", target_id)
        keys = list(_node(source).execute_command("CLUSTER GETKEYSINSLOT", slot, 100_000))
        half = len(keys) // 2
        for batch in (keys[:half], keys[half:]):
            if batch:
                _node(source).execute_command(
                    "MIGRATE", "127.0.0.1", to, "", 0, 5000, "KEYS", *batch
                )
            if batch is not keys[half:] or not half:
                midway()
        for port in (to, source, *self.primaries()):
            _node(port).execute_command("CLUSTER SETSLOT", slot, "NODE", target_id)
        self.wait_ok()
        return source

    def wait_owner(self, key: str, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.owner(key) == port and _role(port) == "master":
                    self.wait_ok()
                    return
            except redis.RedisError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"Port {port} did not take over {key!r} in time.")

    def wait_ok(self, timeout: float = 30) -> None:
        """Until every running node says ``cluster_state:ok`` and agrees on the slots."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                states = {_node(port).cluster("info")["cluster_state"] for port in self.running()}
                layouts = {
                    repr(sorted((s[0], s[1], int(s[2][1])) for s in _slots(port)))
                    for port in self.running()
                }
            except redis.RedisError:
                states, layouts = set(), set()
            if states == {"ok"} and len(layouts) == 1:
                return
            time.sleep(0.1)
        raise RuntimeError("The cluster did not reach cluster_state:ok in time.")


def _slots(port: int) -> list[list[object]]:
    return list(_node(port).execute_command("CLUSTER SLOTS"))


def _role(port: int) -> str:
    return str(_node(port).info("replication").get("role"))


def _wait_ping(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if _node(port).ping():
                return
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not start on port {port}.")


def _wait_synced(replica: int, timeout: float = 20) -> None:
    """Until ``replica`` has its primary's link up and every write of it (no write is lost)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = _node(replica).info("replication")
        if info.get("master_link_status") == "up":
            primary = _node(int(info["master_port"])).info("replication")
            if primary.get("master_repl_offset") == info.get("slave_repl_offset"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"The replica {replica} did not catch up in time.")


def _wait_replicating(port: int, primary: int | None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            info = _node(port).info("replication")
        except redis.RedisError:
            info = {}
        if (
            info.get("role") == "slave"
            and info.get("master_link_status") == "up"
            and (primary is None or int(info.get("master_port", 0)) == primary)
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"Port {port} did not start replicating in time.")


def start_cluster() -> ClusterSetup:
    binary = shutil.which("redis-cli")
    if binary is None:
        raise RuntimeError("redis-cli is not installed (apt-get install redis-tools).")
    setup = ClusterSetup(Path(tempfile.mkdtemp(prefix="qb-cluster-")), _free_ports(NODES))
    try:
        for port in setup.ports:
            setup.start_node(port)
        subprocess.run(
            [
                binary,
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in setup.ports),
                "--cluster-replicas",
                "1",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        setup.wait_ok()
        for port in setup.ports:
            if _role(port) == "slave":
                _wait_replicating(port, None)
    except BaseException:
        setup.stop()
        raise
    return setup
