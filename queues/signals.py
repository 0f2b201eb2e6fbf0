"""Signals the board sends (``django.dispatch``).

``alert_fired`` and ``alert_resolved``: sent by the elected live reader when an alert rule
(``QUEUEBOARD["ALERTS"]``) fires or resolves for a queue, once each; keyword arguments
``rule`` (``queues.alerts.rules.AlertRule``), ``backend``, ``queue``, ``value`` and ``at``
(an aware datetime). Receivers may be sync or async; an exception in one is logged and does
not stop the others.
"""

from django.dispatch import Signal

alert_fired = Signal()
alert_resolved = Signal()
