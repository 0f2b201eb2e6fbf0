"""Demo data for the standalone board: task functions, seeders and small workers.

Used by ``scripts/demo.sh`` through the ``demo_*`` management commands.
"""

TASK_QUEUES = ("default", "emails", "images", "reports")
"""Queues of the Django Tasks demo (``TASKS_QUEUES`` must allow them)."""

BULLMQ_QUEUES = ("emails", "images", "reports")
"""Queues of the BullMQ demo, under the prefix given to the seeder (``bull``)."""
