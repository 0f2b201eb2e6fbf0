"""A minimal Django site serving django-rq's queue pages, for ``bench/rq_overview.py`` only
(run from its own virtual environment; the board never imports it)."""
