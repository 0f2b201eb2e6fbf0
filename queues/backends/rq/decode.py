"""RQ's stored values, read without ever running code from them.

A job's ``data`` is ``zlib(serializer.dumps((func_name, instance, args, kwargs)))``; with RQ's
JSON serializer that is a JSON array the board shows, with the default (pickle) it is a pickle,
and unpickling it would import and run whatever it names. So a pickle is never unpickled: the
board reads its first opcodes with ``pickletools.genops`` (which parses, never builds objects)
for the function's name, and shows the rest as "pickled, N bytes". ``meta`` and results are
serialized the same way (without zlib; results in base64 inside ``rq:results:<id>``).
"""

from __future__ import annotations

import base64
import binascii
import pickletools
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from .. import untrusted
from ..types import Payload

#: At most this many bytes are decompressed from one stored value (a zlib bomb stops here).
MAX_INFLATED = 4 * 1024 * 1024


def text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def inflate(raw: bytes) -> tuple[bytes, str | None]:
    """``raw`` decompressed (RQ falls back to the raw bytes when they are not zlib), with a
    problem when they were not zlib or are larger than ``MAX_INFLATED``."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, MAX_INFLATED)
    except zlib.error:
        if raw[:1] == b"\x78":  # a zlib header whose stream is broken
            return raw, _("The stored value is corrupt zlib data; it is shown as stored.")
        return raw, None
    if inflater.unconsumed_tail:
        limit = MAX_INFLATED // (1024 * 1024)
        return out, _("The stored value inflates past %(limit)s MiB; only its start is read.") % {
            "limit": limit
        }
    if not inflater.eof:
        return out, _("The stored value is cut short (its zlib stream does not end).")
    return out, None


def is_pickle(raw: bytes) -> bool:
    """Pickle protocol 2 and later begin with the PROTO opcode."""
    return raw[:1] == b"\x80"


def pickled(raw: bytes) -> Payload:
    return Payload.opaque_value(
        len(raw), "pickle", _("pickled, %(size)s bytes (never unpickled)") % {"size": len(raw)}
    )


def first_pickled_string(raw: bytes, max_ops: int = 8) -> str | None:
    """The first string a pickle holds, read from its opcodes (``genops`` parses only; nothing
    is imported or built), or None when it begins otherwise or is not a pickle."""
    try:
        for count, (opcode, argument, _position) in enumerate(pickletools.genops(raw)):
            if isinstance(argument, str) and "UNICODE" in opcode.name:
                return argument
            if opcode.name not in {"PROTO", "FRAME", "MARK"} or count >= max_ops:
                return None
    except Exception:  # any malformed pickle: no name
        return None
    return None


@dataclass(frozen=True)
class CallData:
    """What a job's ``data`` says: the function's name, its arguments (or the note saying why
    they are not shown) and the serializer it was written with."""

    func_name: str | None
    arguments: Payload
    serializer: str
    problems: tuple[str, ...] = ()


def call_data(stored: bytes | None) -> CallData:
    if not stored:
        return CallData(
            None, Payload(text="", size=0), "", (_("The job has no data (no function)."),)
        )
    raw, problem = inflate(stored)
    problems = (problem,) if problem else ()
    if is_pickle(raw):
        return CallData(first_pickled_string(raw), pickled(raw), "pickle", problems)
    try:
        value = untrusted.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        value = None
    if isinstance(value, list) and len(value) == 4 and isinstance(value[0], str):
        func_name, instance, args, kwargs = value
        arguments: dict[str, Any] = {"args": args, "kwargs": kwargs}
        if instance is not None:
            arguments["instance"] = instance
        return CallData(func_name, Payload.from_value(arguments), "json", problems)
    note = _("The job's data is in a format the board does not read (%(size)s bytes).") % {
        "size": len(raw)
    }
    return CallData(
        None,
        Payload.opaque_value(len(raw), "unknown", note),
        "unknown",
        (*problems, note),
    )


def serialized(raw: bytes | None, serializer: str) -> Payload:
    """A value serialized like the job's data (``meta``, a result): JSON shown, a pickle kept
    opaque."""
    if not raw:
        return Payload(text="", size=0)
    if is_pickle(raw) or (serializer == "pickle" and not _looks_like_json(raw)):
        return pickled(raw)
    return Payload.from_stored(raw)


def _looks_like_json(raw: bytes) -> bool:
    try:
        untrusted.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def b64(value: bytes | str | None) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return None


def exc_text(stored: bytes | None) -> tuple[str | None, str | None]:
    """A traceback stored zlib-compressed (RQ falls back to plain text), with a problem."""
    if not stored:
        return None, None
    raw, problem = inflate(stored)
    return raw.decode("utf-8", "replace"), problem


def last_line(traceback: str | None) -> str | None:
    """The exception line of a traceback (its last non-empty line)."""
    if not traceback:
        return None
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else None


def when(value: bytes | str | None) -> datetime | None:
    """An RQ time (``utcformat``: ``2026-12-02T04:15:00.123456Z``), or None."""
    raw = text(value)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stamp(value: float | None) -> datetime | None:
    """A Unix time in seconds (registry scores, result streams), or None."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def integer(value: bytes | str | None) -> int | None:
    raw = text(value)
    if raw is None or raw == "":
        return None
    try:
        return int(float(raw))
    except (ValueError, OverflowError):
        return None


class _NotPlain(Exception):
    """The pickle holds something other than plain containers, text and numbers."""


#: Opcodes that push a value read from the opcode itself.
_LITERALS: dict[str, Callable[[], Any]] = {
    "NONE": lambda: None,
    "NEWTRUE": lambda: True,
    "NEWFALSE": lambda: False,
    "EMPTY_DICT": dict,
    "EMPTY_LIST": list,
    "EMPTY_TUPLE": tuple,
}
_SCALARS = frozenset(
    {
        *("UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "STRING", "BINSTRING"),
        *("SHORT_BINSTRING", "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"),
        *("FLOAT", "BINFLOAT", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8"),
    }
)
_MEMO_PUTS = {"PUT", "BINPUT", "LONG_BINPUT"}
_MEMO_GETS = {"GET", "BINGET", "LONG_BINGET"}


def plain_pickle(raw: bytes, max_ops: int = 10_000) -> Any:
    """A pickle of plain values (dicts, lists, tuples, text, numbers, booleans, None) read from
    its opcodes, built by the board itself: nothing named in it is imported or called, and any
    other opcode (a class, a call) makes the whole value unreadable (``None``)."""
    stack: list[Any] = []
    marks: list[int] = []
    memo: dict[Any, Any] = {}
    try:
        for count, (opcode, argument, _position) in enumerate(pickletools.genops(raw)):
            if count >= max_ops:
                return None
            _step(opcode.name, argument, stack, marks, memo)
            if opcode.name == "STOP":
                return stack[-1] if stack else None
    except (_NotPlain, IndexError, KeyError, TypeError, ValueError):
        return None
    except Exception:  # a malformed pickle: genops stops on it
        return None
    return None


def _step(
    name: str, argument: Any, stack: list[Any], marks: list[int], memo: dict[Any, Any]
) -> None:
    if name in {"PROTO", "FRAME", "STOP"}:
        return
    if name in _LITERALS:
        stack.append(_LITERALS[name]())
    elif name in _SCALARS:
        stack.append(argument)
    elif name == "MARK":
        marks.append(len(stack))
    elif name == "MEMOIZE":
        memo[len(memo)] = stack[-1]
    elif name in _MEMO_PUTS:
        memo[argument] = stack[-1]
    elif name in _MEMO_GETS:
        stack.append(memo[argument])
    elif name in {"SETITEM", "SETITEMS", "APPEND", "APPENDS", "TUPLE", "LIST", "DICT"}:
        start = len(stack) - 2 if name == "SETITEM" else len(stack) - 1
        if name in {"SETITEMS", "APPENDS", "TUPLE", "LIST", "DICT"}:
            start = marks.pop()
        items = stack[start:]
        del stack[start:]
        if name in {"LIST", "DICT"}:
            stack.append([] if name == "LIST" else {})
            name = "APPENDS" if name == "LIST" else "SETITEMS"
        if name == "TUPLE":
            stack.append(tuple(items))
        elif name in {"APPEND", "APPENDS"}:
            stack[-1].extend(items)
        else:
            if len(items) % 2 or not isinstance(stack[-1], dict):
                raise _NotPlain(name)
            for key, value in zip(items[::2], items[1::2], strict=True):
                stack[-1][key] = value
    elif name in {"TUPLE1", "TUPLE2", "TUPLE3"}:
        size = int(name[-1])
        items = stack[-size:]
        del stack[-size:]
        stack.append(tuple(items))
    else:
        raise _NotPlain(name)


def plain_value(raw: bytes | None) -> Any:
    """A stored ``meta`` (JSON or a pickle of plain values) as a value, else None."""
    if not raw:
        return None
    if is_pickle(raw):
        return plain_pickle(raw)
    try:
        return untrusted.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
