"""Doing things to queues: permission checks, the audit log, and bulk runs."""
