"""Alerts: rules from ``QUEUEBOARD["ALERTS"]`` (``rules``), measured from the board's own reads
(``measure``), fired and resolved once each by the elected live reader (``evaluator``, state in
``models``), and delivered as a signal, by e-mail and to a webhook (``delivery``)."""
