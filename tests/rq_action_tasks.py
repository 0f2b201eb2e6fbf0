"""Functions real ``rq worker`` subprocesses run in the RQ action tests (importable by them)."""

from __future__ import annotations

import os
import time
import zlib

import redis


def record(tag: str) -> str:
    """Note one run of ``tag`` (a list per tag, in the Redis the worker serves) and succeed."""
    _runs().rpush(f"test:runs:{tag}", os.getpid())
    return tag


def fail(tag: str) -> None:
    """Note one run of ``tag``, then fail."""
    _runs().rpush(f"test:runs:{tag}", os.getpid())
    raise RuntimeError(f"{tag} failed on purpose")


def fail_once(tag: str) -> str:
    """Fail the first run of ``tag``, succeed on every later one."""
    runs = _runs().rpush(f"test:runs:{tag}", os.getpid())
    if runs == 1:
        raise RuntimeError(f"{tag} fails its first run")
    return tag


def flaky(tag: str) -> str:
    """Note the run, then fail about one run in three (from the tag and run number)."""
    runs = _runs().rpush(f"test:runs:{tag}", os.getpid())
    if zlib.crc32(f"{tag}:{runs}".encode()) % 3 == 0:
        raise RuntimeError(f"{tag} run {runs} failed")
    return tag


def sleep_for(tag: str, seconds: float) -> str:
    """Note the start, then sleep (a job to stop while it runs)."""
    _runs().rpush(f"test:runs:{tag}", os.getpid())
    time.sleep(seconds)
    return tag


def _runs() -> redis.Redis:
    return redis.Redis.from_url(os.environ["RQ_TEST_REDIS_URL"])
