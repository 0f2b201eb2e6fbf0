"""The BullMQ backend's TLS, Sentinel and cluster OPTIONS from environment variables (the
standalone board).

REDIS_SSL_CA_CERTS        PEM file of the CA that signed the server's certificate (rediss://,
                          rediss+sentinel://)
REDIS_SSL_CERTFILE        the board's client certificate, for a server with tls-auth-clients yes
REDIS_SSL_KEYFILE         its key
REDIS_SSL_CHECK_HOSTNAME  "0" to skip the host name check (default on)
REDIS_SENTINEL_USERNAME   the Sentinels' own user (redis+sentinel:// URLs)
REDIS_SENTINEL_PASSWORD   the Sentinels' own password
REDIS_CLUSTER             "1" when REDIS_URL is a node of a Redis Cluster (BULLMQ_PREFIX must
                          then hold a hash tag, such as "{bull}")
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

TEXT_OPTIONS = {
    "REDIS_SSL_CA_CERTS": "ssl_ca_certs",
    "REDIS_SSL_CERTFILE": "ssl_certfile",
    "REDIS_SSL_KEYFILE": "ssl_keyfile",
    "REDIS_SENTINEL_USERNAME": "sentinel_username",
    "REDIS_SENTINEL_PASSWORD": "sentinel_password",
}


def bullmq_connection_options(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Only the options whose variables are set (so ``manage.py check`` sees what was given)."""
    environ = os.environ if environ is None else environ
    options: dict[str, Any] = {
        option: environ[name] for name, option in TEXT_OPTIONS.items() if environ.get(name)
    }
    check = environ.get("REDIS_SSL_CHECK_HOSTNAME")
    if check is not None:
        options["ssl_check_hostname"] = _true(check)
    if _true(environ.get("REDIS_CLUSTER", "")):
        options["cluster"] = True
    return options


def _true(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}
