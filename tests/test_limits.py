"""queues.limits: the cache-backed sliding-window rate limit and the per-process gate."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from django.core.cache import caches

from queues.limits import Busy, Gate, RateLimit


class FakeClock:
    """A settable time source (the limiter's ``clock``), so windows move without sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_admits_limit_attempts_then_refuses() -> None:
    clock = FakeClock()
    limit = RateLimit("t", 3, 60, clock=clock)
    assert [limit.hit("alice") for _ in range(5)] == [True, True, True, False, False]
    assert limit.blocked("alice")
    assert limit.hit("bob")  # keys are counted apart
    assert RateLimit("other", 3, 60, clock=clock).hit("alice")  # and so are names


def test_refused_attempts_are_not_counted() -> None:
    clock = FakeClock(60 * 1000)  # the start of a window
    limit = RateLimit("t", 2, 60, clock=clock)
    assert limit.hit("k") and limit.hit("k")
    for _ in range(50):
        assert not limit.hit("k")
    clock.now += 120  # two windows on: nothing weighs any more
    assert limit.hit("k") and limit.hit("k") and not limit.hit("k")


def test_sliding_window_weighs_the_previous_window() -> None:
    clock = FakeClock(60 * 1000)
    limit = RateLimit("t", 4, 60, clock=clock)
    assert all(limit.hit("k") for _ in range(4))
    # Half way into the next window, the previous four weigh two: two more fit, not four.
    clock.now += 90
    assert [limit.hit("k") for _ in range(3)] == [True, True, False]


def test_retry_after_counts_down_to_the_moment_one_more_fits() -> None:
    clock = FakeClock(60 * 1000)  # the start of a window
    limit = RateLimit("t", 2, 60, clock=clock)
    assert limit.retry_after("k") == 0
    limit.hit("k")
    limit.hit("k")
    # Nothing fits in this window; in the next, once 2 * (1 - f) + 1 <= 2: f = 0.5, at 90 s.
    assert limit.retry_after("k") == 90
    clock.now += 45
    assert limit.retry_after("k") == 45
    clock.now += 44
    assert limit.retry_after("k") == 1 and not limit.hit("k")
    clock.now += 1.5
    assert limit.retry_after("k") == 0
    assert limit.hit("k")
    # Now previous 2 * (1 - f) + 1 + 1 <= 2 only at f = 1: the next window, 29.5 s on.
    assert limit.retry_after("k") == 30
    assert not limit.hit("k")


def test_retry_after_agrees_with_hit() -> None:
    """Wherever the clock stands, ``retry_after`` is 0 exactly when ``hit`` admits."""
    clock = FakeClock(60 * 1000)
    limit = RateLimit("t", 5, 60, clock=clock)
    admitted = 0
    for step in range(400):
        clock.now += 0.75
        wait = limit.retry_after("k")
        ok = limit.hit("k")
        assert ok == (wait == 0), step
        admitted += ok
        if not ok:  # the promised moment admits
            later = FakeClock(clock.now + wait)
            assert RateLimit("t", 5, 60, clock=later).retry_after("k") == 0
    # 300 s at 5 per 60 s: 25 for a true sliding log; the estimate is a little stricter.
    assert 20 <= admitted <= 25


def test_reset_forgets_a_key() -> None:
    limit = RateLimit("t", 1, 60, clock=FakeClock())
    assert limit.hit("k") and not limit.hit("k")
    limit.reset("k")
    assert limit.hit("k")


def test_undo_takes_back_one_attempt() -> None:
    limit = RateLimit("t", 2, 60, clock=FakeClock(60 * 1000))
    assert limit.hit("k") and limit.hit("k") and not limit.hit("k")
    limit.undo("k")
    assert limit.hit("k") and not limit.hit("k")
    limit.reset("k")
    limit.undo("k")  # nothing to take back: no negative count
    assert limit.hit("k") and limit.hit("k") and not limit.hit("k")


def test_any_text_is_a_key() -> None:
    limit = RateLimit("t", 1, 60, clock=FakeClock())
    for key in ("with spaces", "ünïcode", "x" * 10_000, "a:b\n\x00", "\ud800"):
        assert limit.hit(key)
        assert not limit.hit(key)


def test_concurrent_hits_admit_exactly_the_limit() -> None:
    """The counter is raised before it is checked: threads racing get no extra attempts."""
    limit = RateLimit("t", 10, 60, clock=FakeClock(60 * 1000))
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def knock() -> None:
        start.wait()
        for _ in range(5):
            outcome = limit.hit("k")
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=knock) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 10
    assert len(results) == 40


def test_async_twins_share_the_counters() -> None:
    clock = FakeClock(60 * 1000)
    limit = RateLimit("t", 2, 60, clock=clock)

    async def run() -> list[Any]:
        return [await limit.ahit("k"), limit.hit("k"), await limit.ahit("k")]

    assert asyncio.run(run()) == [True, True, False]
    assert asyncio.run(limit.aretry_after("k")) == 90


def test_the_cache_alias_is_a_setting(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "limits",
        },
    }
    settings.QUEUEBOARD = {"LIMITS_CACHE": "limits"}
    limit = RateLimit("t", 1, 60, clock=FakeClock())
    assert limit.cache is caches["limits"]
    assert limit.hit("k") and not limit.hit("k")
    caches["limits"].clear()
    assert limit.hit("k")


@pytest.mark.parametrize("args", [(0, 60), (1, 0), (-1, 1)])
def test_nonsense_limits_are_refused(args: tuple[int, float]) -> None:
    with pytest.raises(ValueError):
        RateLimit("t", *args)


# -- Gate ----------------------------------------------------------------------------------------


def test_gate_admits_per_key_and_in_total() -> None:
    gate = Gate(limit_per_key=1, limit_total=2)
    with gate.enter("alice"):
        with pytest.raises(Busy) as refused:
            gate.enter("alice").__enter__()
        assert refused.value.scope == "key"
        with gate.enter("bob"):
            assert gate.holders() == 2
            with pytest.raises(Busy) as full:
                gate.enter("carol").__enter__()
            assert full.value.scope == "total"
        assert gate.holders("bob") == 0
    assert gate.holders() == 0
    with gate.enter("alice"):  # free again
        assert gate.holders("alice") == 1


def test_gate_gives_the_place_back_on_errors() -> None:
    gate = Gate(limit_per_key=1, limit_total=1)
    with pytest.raises(RuntimeError), gate.enter("k"):
        raise RuntimeError("boom")
    assert gate.holders() == 0


def test_gate_as_an_async_context_manager() -> None:
    gate = Gate(limit_per_key=1, limit_total=5)
    outcomes: list[str] = []

    async def search(key: str) -> None:
        try:
            async with gate.enter(key):
                await asyncio.sleep(0.01)
                outcomes.append(f"ran {key}")
        except Busy as exc:
            outcomes.append(f"busy {key} ({exc.scope})")

    async def run() -> None:
        await asyncio.gather(search("a"), search("a"), search("b"))

    asyncio.run(run())
    assert sorted(outcomes) == ["busy a (key)", "ran a", "ran b"]
    assert gate.holders() == 0


def test_gate_across_threads_never_admits_more_than_its_limit() -> None:
    gate = Gate(limit_per_key=100, limit_total=3)
    inside, most, lock = [0], [0], threading.Lock()
    start = threading.Barrier(10)

    def work() -> None:
        start.wait()
        for _ in range(50):
            try:
                with gate.enter("k"):
                    with lock:
                        inside[0] += 1
                        most[0] = max(most[0], inside[0])
                    with lock:
                        inside[0] -= 1
            except Busy:
                pass

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= most[0] <= 3
    assert gate.holders() == 0


@pytest.mark.parametrize("args", [(0, 1), (1, 0)])
def test_nonsense_gates_are_refused(args: tuple[int, int]) -> None:
    with pytest.raises(ValueError):
        Gate(*args)
