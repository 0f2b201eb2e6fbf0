"""The alerts' evaluation, run by the elected live reader beside its followers (one task).

Every ``ALERT_INTERVAL_SECONDS``: the rules' values are measured (``measure``), the stored
states moved on with hysteresis (``state``), and each alert that fired or resolved is audited,
sent as ``queues.signals.alert_fired`` / ``alert_resolved`` and handed to the dispatcher
(e-mail and webhook in a task of their own). An evaluation that fails is logged and the next
one comes at its time: the evaluator never ends the reader.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async

from ..actions.audit import record
from ..backends import backends
from ..conf import setting
from ..live.stopping import cancel_and_wait
from ..models import AuditEntry
from ..signals import alert_fired, alert_resolved
from .delivery import Dispatcher
from .measure import measure_all
from .rules import AlertRule, configured_rules
from .state import Transition, apply

logger = logging.getLogger("queues.alerts")
FIRED_ACTION = "alert-fired"
RESOLVED_ACTION = "alert-resolved"


def _message(transition: Transition) -> str:
    rule = transition.rule
    verb = "fired" if transition.fired else "resolved"
    return (
        f"Alert {rule.name} ({rule.kind}) {verb}: value {transition.value:g}, fires at "
        f"{rule.above:g}, resolves below {rule.resolve_below:g}."
    )


class Evaluator:
    def __init__(self, rules: list[AlertRule] | None = None) -> None:
        self.rules = configured_rules() if rules is None else rules
        self.dispatcher = Dispatcher()
        #: Evaluations done (for tests).
        self.evaluations = 0

    async def evaluate_once(self) -> list[Transition]:
        measures = await measure_all(self.rules, [backends[a] for a in backends])
        transitions = await sync_to_async(apply)(measures)
        for transition in transitions:
            await self._announce(transition)
        self.evaluations += 1
        return transitions

    async def _announce(self, transition: Transition) -> None:
        await record(
            None,
            FIRED_ACTION if transition.fired else RESOLVED_ACTION,
            transition.backend,
            transition.queue,
            AuditEntry.Outcome.OK,
            params={"rule": transition.rule.name, "value": transition.value},
            message=_message(transition),
        )
        signal = alert_fired if transition.fired else alert_resolved
        for receiver, result in await signal.asend_robust(
            sender=Evaluator,
            rule=transition.rule,
            backend=transition.backend,
            queue=transition.queue,
            value=transition.value,
            at=transition.at,
        ):
            if isinstance(result, Exception):
                logger.error("Alerts: receiver %r failed: %r", receiver, result)
        self.dispatcher.submit(transition)

    async def run(self) -> None:
        if not self.rules:
            return
        sending = asyncio.create_task(self.dispatcher.run(), name="queueboard-alert-delivery")
        try:
            while True:
                try:
                    await self.evaluate_once()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("Alerts: evaluation failed; next one in its time")
                await asyncio.sleep(float(setting("ALERT_INTERVAL_SECONDS")))
        finally:
            await cancel_and_wait([sending])


async def run_alerts() -> None:
    """The reader's alerts task (returns at once when no rule is configured). Bad settings
    (reported by ``manage.py check``) are logged here and leave the reader running."""
    try:
        evaluator = Evaluator()
    except Exception:
        logger.exception("Alerts: not evaluated (see manage.py check)")
        return
    await evaluator.run()
