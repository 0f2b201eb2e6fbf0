"""At most ``AUDIT_REFUSALS_PER_MINUTE`` refusals recorded per user; the rest are counted.

A refusal costs the person refused nothing, so without a bound anyone could fill the audit log
in someone's name (a page or script sending refused actions in a loop). Beyond the rate, a
refusal is not written but counted (in the ``LIMITS_CACHE`` cache, for a day); the user's next
recorded refusal says how many were left out, and the log gets one warning when dropping starts.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ..conf import setting
from ..limits import RateLimit

logger = logging.getLogger("queues.audit")

#: Seconds a count of refusals left out waits for the next recorded refusal to report it.
KEEP_COUNT = 24 * 3600
#: The limit's clock (tests freeze it).
clock = time.time


def rate() -> RateLimit:
    """The limit, as the settings say now."""
    return RateLimit("audit-refusals", int(setting("AUDIT_REFUSALS_PER_MINUTE")), 60, clock=clock)


async def admit(user_key: str, message: str) -> str | None:
    """The message to record for one more refusal of ``user_key``, or None: leave it out."""
    limit = rate()
    counter = f"queueboard:audit:refusals-left-out:{user_key}"
    cache = limit.cache
    if not await limit.ahit(user_key):
        if await cache.aadd(counter, 1, KEEP_COUNT):
            logger.warning(
                "Refusals of user %s beyond %d a minute are counted, not recorded.",
                user_key, limit.limit,
            )  # fmt: skip
        else:
            await _add_one(cache, counter)
        return None
    left_out = int(await cache.aget(counter, 0))
    if left_out:
        await _take(cache, counter, left_out)
        message += (
            f" ({left_out} earlier refusal(s) of this user were not recorded: more than "
            f"{limit.limit} a minute.)"
        )
    return message


async def _add_one(cache: Any, counter: str) -> None:
    try:
        await cache.aincr(counter)
    except ValueError:  # expired since
        await cache.aset(counter, 1, KEEP_COUNT)


async def _take(cache: Any, counter: str, count: int) -> None:
    """Take ``count`` off (refusals counted meanwhile stay for the next entry)."""
    try:
        if await cache.adecr(counter, count) <= 0:
            await cache.adelete(counter)
    except ValueError:
        pass
