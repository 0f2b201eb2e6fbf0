"""BullMQ fixtures: Node producers, a runner for the async backend, the contract queue."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from queues.states import JobState
from tests import bullmq_producers
from tests.contract import ContractEnv

NODE_DIR = Path(__file__).parent / "node"
T = TypeVar("T")


def run(backend: Any, coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one backend call in a fresh event loop (as Django's test client does), then close."""

    async def call() -> T:
        try:
            return await coroutine
        finally:
            await backend.close()

    return asyncio.run(call())


def ensure_node_modules() -> None:
    """Install the pinned Node packages (``npm ci``) unless they are already there."""
    if (NODE_DIR / "node_modules" / "bullmq" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed; the Node producer tests need Node 20 and npm.")
    subprocess.run(
        [npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
        check=True,
        capture_output=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def node_modules() -> Path:
    ensure_node_modules()
    return NODE_DIR / "node_modules"


@pytest.fixture
def node_produce(node_modules: Path, redis_url: str) -> Callable[[str], dict[str, Any]]:
    """``node_produce(scenario)`` writes queues with Node bullmq 6.7.0 and returns their ids."""

    def produce(scenario: str) -> dict[str, Any]:
        result = subprocess.run(
            ["node", str(NODE_DIR / "produce.mjs"), redis_url, scenario],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=NODE_DIR,
        )
        if result.returncode != 0:
            raise RuntimeError(f"produce.mjs {scenario} failed:\n{result.stderr[-3000:]}")
        return dict(json.loads(result.stdout))

    return produce


@pytest.fixture
def bullmq_contract_env(bullmq_backend: Any, redis_url: str) -> ContractEnv:
    """Queue "contract" seeded by Python bullmq: 4 waiting, 2 delayed, 3 completed, 2 failed."""
    ids = asyncio.run(bullmq_producers.seed_contract(redis_url, "contract"))
    return ContractEnv(
        backend=bullmq_backend,
        queue="contract",
        ids={JobState(state): job_ids for state, job_ids in ids.items()},
    )
