"""Live updates at 1,000 viewers (issue 16 item 5): event-to-client latency at 1,000 WebSocket
clients and 10 events/s on one daphne process, with the board's CPU; then two board processes
behind channels_redis, and the Redis load they make with 0 to 1,000 viewers spread over both.

The data and the producer are ``run.py``'s: 100 BullMQ queues plus a queue "probe" whose jobs a
Python bullmq producer, in a process of its own (``producer.py``: its stamp is taken right
before the event is written), gives ``updateProgress({"t": <microseconds since the epoch>})``,
each event on another of 10 jobs so that none is coalesced. The clients run in this process (one
asyncio loop) and share the machine's 2 cores with the board; each notes when a frame holding
the stamp arrives (a search of the frame's text, no JSON decoding, so that 10,000 frames a
second cost the clients as little as can be). The board is the standalone board
(``bench/live/settings.py``: BullMQ backend only, the per-user socket cap lifted, every client
is the same staff user).

1. One daphne process, in-memory channel layer: 1,000 clients, an event every 0.1 s.
   Target: p95 ≤ 100 ms.
2. Two daphne processes on one channels_redis layer (``CHANNEL_REDIS_URL``, the same private
   redis-server), 0, 2, 200 and 1,000 overview viewers split evenly between them, no job
   activity: Redis commands per second (``INFO commandstats`` deltas; discovery's periodic
   rescan shown apart). Target: flat in viewers.

    python bench/live/thousand.py [--clients 1000] [--events 100] [--window 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import run
from run import STAMP, percentile

from tests.live_ws_client import Closed, WsClient

TARGET_P95_MS = 100.0
#: A profile of the board's daphne process during this run's first part (not re-measured by
#: each run: py-spy is not installed by the project), 2026-12-04, AMD EPYC, 2 CPUs.
WHERE_THE_TIME_GOES = [
    "Where the board's time goes, sampled with py-spy during the first part "
    "(`py-spy record -p <daphne pid> -d 25 -f raw`, 2026-12-04, this machine): 357 samples "
    "in 25 s at 100 a second (py-spy leaves idle threads out), about 14 % of a core. Of "
    "those, the send of each frame to its socket (`socket.send`) is 27 %; the hub and the "
    "consumers around it (finding each socket's text, built once per message and page type, "
    "and its frame, built once per text) about 8 %; the live reader 5 %; the thread pool "
    "23 % and the sockets' opening and closing most of the rest (the clients connect and "
    "leave within the sampled time).",
    "",
    "Before `queues/live/daphne_frames.py`, each frame went through daphne's reply path, "
    "autobahn's framing (which formats a debug line for every frame) and Twisted's queueing, "
    "which registers the socket with the event loop for writing and unregisters it after "
    "the write: about three quarters of the board's time, ~85 µs of a core per frame on the "
    "slower machine of the last run, where this part gave p50/p95 86.2/361.7 ms with the "
    "board at 79 % of a core. The same harness at the commit before that change (a2e0673), "
    "on this machine and in the same hour: p50/p95/max 28.7/48.9/70.8 ms with the board at "
    "39 % of a core. Now a frame is built once per text and written with one `send` per "
    "socket when Twisted holds nothing for it (otherwise behind what it holds).",
]
VIEWERS = (0, 2, 200, 1000)


async def listen_raw(client: WsClient, arrivals: dict[int, float]) -> None:
    """The arrival of each stamp, found in the frame's text as sent."""
    while True:
        try:
            message = await client.recv()
        except Closed:
            return
        now = time.time()
        for stamp in STAMP.findall(message):
            arrivals.setdefault(int(stamp), now)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--window", type=float, default=20.0)
    args = parser.parse_args()
    with common.Stack() as stack:
        server = common.start_redis(stack)
        names = [f"q{n:03d}" for n in range(run.QUEUES)]
        with common.step(f"seeding {run.QUEUES} queues"):
            common.seed_queues(server.url, names, run.PER_STATE)
        db = Path(tempfile.mkdtemp(prefix="qb-bench-live-1000-")) / "db.sqlite3"
        env = {**common.board_env(server.url, db), "QUEUEBOARD_LIVE_JSON": "{}"}
        cookie = common.prepare_database(env)
        port, board_pid = run.start_daphne(stack, env)
        with common.step(f"latency with {args.clients} clients, an event every {args.interval} s"):
            times, board_share, clients_share = asyncio.run(
                run.latency(
                    port,
                    cookie,
                    server.url,
                    args.clients,
                    args.events,
                    args.interval,
                    board_pid,
                    listener=listen_raw,
                )
            )
        layered = {**env, "CHANNEL_REDIS_URL": server.url.rsplit("/", 1)[0] + "/1"}
        ports = [run.start_daphne(stack, layered)[0] for _ in range(2)]
        load = []
        for viewers in VIEWERS:
            with common.step(f"Redis load with {viewers} viewers on two boards"):
                load.append(
                    (
                        viewers,
                        *asyncio.run(
                            run.viewers_load(ports, cookie, server.url, viewers, args.window, 8.0)
                        ),
                    )
                )

        p95 = percentile(times, 0.95)
        expected = args.clients * args.events
        steady = {v: rate - d for v, rate, d in load}
        flat = max(steady[v] for v in VIEWERS if v) - min(steady[v] for v in VIEWERS if v)
        sections = [
            "## What was measured",
            "",
            __doc__.split("\n\n", 1)[1].split("    python")[0].strip(),
            "",
            "## Event to client, one daphne process",
            "",
            *common.table(
                [
                    "events / s",
                    "clients",
                    "deliveries",
                    "p50 ms",
                    "p95 ms",
                    "max ms",
                    "board CPU %",
                    "clients CPU %",
                ],
                [
                    [
                        f"{1 / args.interval:g}",
                        args.clients,
                        f"{len(times):,} of {expected:,}",
                        f"{statistics.median(times):.1f}",
                        f"{p95:.1f}",
                        f"{max(times):.1f}",
                        f"{board_share:.0f}",
                        f"{clients_share:.0f}",
                    ]
                ],
            ),
            "",
            f"Target p95 ≤ {TARGET_P95_MS:g} ms at {args.clients:,} clients and "
            f"{1 / args.interval:g} events/s: "
            + ("**met**" if p95 <= TARGET_P95_MS and len(times) == expected else "**not met**")
            + f" ({p95:.1f} ms). CPU: 100 % is one core; the clients share the machine with the "
            "board, so their CPU is taken from what the board could use.",
            "",
            *WHERE_THE_TIME_GOES,
            "",
            "## Redis commands per second, two board processes on channels_redis",
            "",
            *common.table(
                [
                    "viewers (split over 2 boards)",
                    "commands / s",
                    "of which discovery's rescan",
                    "without the rescan",
                ],
                [[v, f"{rate:.1f}", f"{d:.1f}", f"{rate - d:.1f}"] for v, rate, d in load],
            ),
            "",
            "Target: flat in viewers (without the rescan, 2 to 1,000 viewers within 10 % or 5 "
            "commands/s): "
            + ("**met**" if flat <= max(0.1 * steady[2], 5) else "**not met**")
            + f" (spread {flat:.1f} commands/s). Each process runs its own reader (one XREAD a "
            "second, a count resync every 5 s) and its own channel-layer receive loop; viewers "
            "add sockets, not reads. With 0 viewers no reader runs.",
        ]
        path = common.write_result(
            "live_thousand", "Live updates at 1,000 viewers", sections, server.url
        )
        print(path)


if __name__ == "__main__":
    main()
