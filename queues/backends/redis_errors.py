"""redis-py's errors turned into the backends' own, with a message a user can act on.

Shared by every backend that talks to Redis (BullMQ, RQ, Celery); a backend adds what only it
knows through ``RedisErrors``: errors that mean "not answering" for it (a Redis Cluster failing
over), how to recognise a TLS failure, and what to say of a command its Redis user may not run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

import redis
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..language import Text
from .errors import BackendError, BackendFull, BackendUnavailable

#: Errors of the connection itself: the server is away, slow or unreachable.
NOT_ANSWERING: tuple[type[BaseException], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    TimeoutError,
    OSError,
)


@dataclass(frozen=True)
class RedisErrors:
    """How one backend's Redis errors read (``where``: the server, never its credentials)."""

    where: str
    #: More errors that mean the server cannot answer now (a cluster without a primary).
    unavailable: tuple[type[BaseException], ...] = ()
    #: More errors that mean a command was refused (one a Redis Cluster cannot route).
    refused: tuple[type[BaseException], ...] = ()
    #: Why a connection error is a TLS failure (a short reason), or None when it is not one.
    tls_failure: Callable[[BaseException], str | None] | None = None
    #: Words of an ACL refusal, and what to say of one ("{where}", "{error}" filled in).
    acl_words: tuple[str, ...] = ()
    acl_message: Text | None = None

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Raise ``BackendUnavailable``, ``BackendFull`` or ``BackendError`` instead."""
        try:
            yield
        except self.unavailable as exc:
            raise self._unavailable(exc) from exc
        except NOT_ANSWERING as exc:
            failure = self.tls_failure(exc) if self.tls_failure else None
            if failure is not None:
                message = _(
                    "TLS with Redis at {where} failed ({error}). Check the CA file "
                    "(ssl_ca_certs), that the URL's host is one the server's certificate names, "
                    "and the client certificate (ssl_certfile, ssl_keyfile)."
                )
                raise BackendUnavailable(
                    format_lazy(message, where=self.where, error=failure)
                ) from exc
            raise self._unavailable(exc) from exc
        except redis.RedisError as exc:
            if isinstance(exc, redis.exceptions.OutOfMemoryError) or "OOM command" in str(exc):
                message = _(
                    "Redis at {where} is full (maxmemory reached) and refused to write. Free "
                    "memory or raise maxmemory, then try again."
                )
                raise BackendFull(format_lazy(message, where=self.where)) from exc
            if self.acl_message is not None and (
                isinstance(exc, redis.exceptions.NoPermissionError)
                or any(word in str(exc) for word in self.acl_words)
            ):
                # A lazy translation (``Text``): format_lazy keeps it lazy.
                acl = cast(str, self.acl_message)
                raise BackendUnavailable(
                    format_lazy(acl, where=self.where, error=short(exc))
                ) from exc
            raise self._refused(exc) from exc
        except self.refused as exc:
            raise self._refused(exc) from exc
        except ValueError as exc:
            # Never its text: redis-py's ValueErrors quote the URL they could not read.
            message = _("Redis at {where} could not be used ({error}).")
            raise BackendUnavailable(
                format_lazy(message, where=self.where, error=type(exc).__name__)
            ) from None

    def _unavailable(self, exc: BaseException) -> BackendUnavailable:
        message = _("Redis at {where} did not answer ({error}).")
        return BackendUnavailable(format_lazy(message, where=self.where, error=short(exc)))

    def _refused(self, exc: BaseException) -> BackendError:
        message = _("Redis at {where} refused a command ({error}).")
        return BackendError(format_lazy(message, where=self.where, error=short(exc)))


def short(exc: BaseException) -> str:
    """The error's text on one line, at most 200 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "\u2026"
