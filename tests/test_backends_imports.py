"""Backends know nothing of the pages: no module under queues/backends/ imports live updates,
views or templates (read from the source with ``ast``, so a lazy import inside a function
counts too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BACKENDS = Path(__file__).resolve().parents[1] / "queues" / "backends"
#: Modules (and their submodules) no backend may import.
FORBIDDEN = (
    "queues.live",
    "queues.views",
    "queues.templatetags",
    "queues.fragments",
    "queues.routing",
    "django.template",
    "django.shortcuts",
    "channels",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(BACKENDS.parents[1]).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def offending(names: set[str]) -> list[str]:
    return sorted(
        name for name in names for bad in FORBIDDEN if name == bad or name.startswith(bad + ".")
    )


SOURCES = sorted(BACKENDS.rglob("*.py"))


def test_the_walk_sees_every_backend_and_resolves_relative_imports() -> None:
    names = {module_name(path) for path in SOURCES}
    assert {"queues.backends.base", "queues.backends.changes"} <= names
    assert "queues.backends.bullmq.change_feed" in names
    feed = imported(BACKENDS / "bullmq" / "change_feed.py")
    assert "queues.backends.changes.JobMoved" in feed and "queues.states" in feed
    assert offending({"queues.live.render", "queues.livestock", "django.template.loader"}) == [
        "django.template.loader",
        "queues.live.render",
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: module_name(path))
def test_no_backend_module_imports_live_views_or_templates(path: Path) -> None:
    assert offending(imported(path)) == []


#: The backend packages: none may import another (what they share lives in queues.backends).
BACKEND_PACKAGES = ("bullmq", "django_tasks", "rq")


def backend_of(name: str) -> str | None:
    parts = name.split(".")
    if parts[:2] == ["queues", "backends"] and len(parts) > 2 and parts[2] in BACKEND_PACKAGES:
        return parts[2]
    return None


def test_the_backend_packages_are_there() -> None:
    assert {backend_of(module_name(path)) for path in SOURCES} >= set(BACKEND_PACKAGES)
    assert backend_of("queues.backends.rq.client") == "rq"
    assert backend_of("queues.backends.redis_url") is None


@pytest.mark.parametrize(
    "path",
    [path for path in SOURCES if backend_of(module_name(path))],
    ids=lambda path: module_name(path),
)
def test_no_backend_package_imports_another(path: Path) -> None:
    own = backend_of(module_name(path))
    others = sorted(name for name in imported(path) if backend_of(name) not in (None, own))
    assert others == []
