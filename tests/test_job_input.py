"""Reading what is asked of an add: options under BullMQ's names, a queue's JSON Schema (and
the system check on it), the data the form starts from."""

from __future__ import annotations

from typing import Any

from queues.backends.job_input import ALL_OPTIONS, check_schemas, parse_options, schema_errors
from queues.views.job_forms import skeleton


class Backend:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options


def test_options_are_read_and_bounded() -> None:
    raw = {"delay": "1000", "priority": 3, "lifo": "true", "removeOnComplete": "5",
           "removeOnFail": True, "backoff": {"type": "fixed", "delay": "20"}}  # fmt: skip
    options, errors = parse_options(raw, ALL_OPTIONS)
    assert errors == []
    assert options == {"delay": 1000, "priority": 3, "lifo": True, "removeOnComplete": 5,
                       "removeOnFail": True, "backoff": {"type": "fixed", "delay": 20}}  # fmt: skip
    _, errors = parse_options({"attempts": 0, "delay": True}, ALL_OPTIONS)
    assert [field for field, _ in errors] == ["attempts", "delay"]
    _, errors = parse_options({"jobId": "x"}, frozenset({"delay"}))
    assert "accepted here: delay" in str(errors[0][1])


def test_schema_errors_name_their_place() -> None:
    schema = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "integer"}}},
    }
    assert schema_errors(schema, {"items": [1, "two"]}) == [
        ("data.items[1]", "'two' is not of type 'integer'")
    ]
    assert schema_errors(None, "anything") == []


def test_the_system_check_refuses_a_broken_schema() -> None:
    assert check_schemas(Backend({"job_schemas": {"q": {"type": "object"}}})) == []
    (problem,) = check_schemas(Backend({"job_schemas": {"q": {"type": 5}}}))
    assert problem.startswith("job_schemas['q'] is no valid JSON Schema")
    assert check_schemas(Backend({"job_schemas": ["q"]})) != []


def test_the_form_starts_from_the_schema() -> None:
    schema = {"properties": {"to": {"type": "string"}, "n": {"type": "integer", "default": 3}}}
    assert skeleton(schema) == {"to": "", "n": 3}
    assert skeleton({"examples": [{"to": "a@b.c"}]}) == {"to": "a@b.c"}
    assert skeleton(None) == {}
