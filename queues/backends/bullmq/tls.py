"""TLS OPTIONS of a ``rediss://`` URL: the CA to trust, a client certificate, hostname checking.

``ssl_ca_certs`` (a PEM file of the CA certificates to trust; the system's when left out),
``ssl_certfile`` and ``ssl_keyfile`` (the board's own certificate and key, for a server with
``tls-auth-clients yes``), ``ssl_check_hostname`` (``True`` unless set ``False``: the server's
certificate must name the URL's host). They go to redis-py as its own keyword arguments.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TLS_FILE_OPTIONS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
TLS_OPTIONS = frozenset({*TLS_FILE_OPTIONS, "ssl_check_hostname"})


def uses_tls(url: str) -> bool:
    return url.lower().startswith(("rediss://", "rediss+sentinel://"))


def tls_options(url: str, options: dict[str, Any]) -> dict[str, Any]:
    """redis-py's keyword arguments for ``url`` (none unless it is ``rediss://``)."""
    if not uses_tls(url):
        return {}
    kwargs: dict[str, Any] = {
        name: str(options[name]) for name in TLS_FILE_OPTIONS if options.get(name)
    }
    kwargs["ssl_check_hostname"] = options.get("ssl_check_hostname", True) is not False
    kwargs["ssl_cert_reqs"] = "required"
    return kwargs


def tls_problems(url: str, options: dict[str, Any]) -> list[str]:
    """What is wrong with the TLS OPTIONS, one sentence each (for system checks)."""
    given = sorted(name for name in TLS_OPTIONS if name in options)
    if given and not uses_tls(url):
        names = ", ".join(repr(name) for name in given)
        return [f"The TLS options ({names}) need a rediss:// URL (or rediss+sentinel://)."]
    problems = []
    for name in TLS_FILE_OPTIONS:
        value = options.get(name)
        if value is None:
            continue
        if not isinstance(value, str | Path) or not str(value):
            problems.append(f"The {name!r} option must be the path of a PEM file.")
        elif not Path(value).is_file():
            problems.append(f"The {name!r} option names no readable file: {str(value)!r}.")
    if bool(options.get("ssl_certfile")) != bool(options.get("ssl_keyfile")) and not (
        options.get("ssl_certfile") and _holds_key(options["ssl_certfile"])
    ):
        problems.append("The 'ssl_certfile' and 'ssl_keyfile' options go together.")
    check = options.get("ssl_check_hostname")
    if check is not None and not isinstance(check, bool):
        problems.append("The 'ssl_check_hostname' option must be True or False.")
    return problems


def _holds_key(path: Any) -> bool:
    try:
        return b"PRIVATE KEY-----" in Path(path).read_bytes()
    except (OSError, TypeError):
        return False


_SSL_REASON = re.compile(r"\[SSL: ([A-Z0-9_]+)\]\s*([^(]*)")


def tls_failure(url: str, exc: BaseException) -> str | None:
    """What went wrong in the TLS handshake with the server, in a few words, or ``None`` when
    ``exc`` is no TLS failure (or ``url`` is not ``rediss://``)."""
    if not uses_tls(url):
        return None
    text = " ".join(str(exc).split())
    found = _SSL_REASON.search(text)
    if found:
        code, detail = found.group(1), found.group(2).strip().rstrip(".") or found.group(1)
        if "mismatch" in detail or "Hostname" in detail or "hostname" in detail:
            return f"hostname check: {detail}"
        if code == "CERTIFICATE_VERIFY_FAILED":
            return f"the server's certificate: {detail}"
        if "CERTIFICATE_REQUIRED" in code or "BAD_CERTIFICATE" in code or "UNKNOWN_CA" in code:
            return f"the server refused the board's client certificate: {detail}"
        return detail
    if "reset by peer" in text or "EOF occurred" in text or "UNEXPECTED_EOF" in text:
        return (
            "the server closed the connection in the handshake (does it want a client certificate?)"
        )
    return None
