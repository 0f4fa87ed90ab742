"""Imports point one way: handlers -> conversations -> services -> storage; bot/ wires them.
Nothing below handlers/ imports a channel library or the web framework."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["bot", "handlers", "conversations", "services", "storage"]
FORBIDDEN_BELOW_HANDLERS = {"fastapi", "starlette", "telegram", "twilio"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", LAYERS[1:])
def test_imports_point_one_way(layer):
    above = set(LAYERS[: LAYERS.index(layer)])
    for path in (ROOT / layer).rglob("*.py"):
        imported = _imports(path)
        assert not imported & above, f"{path.relative_to(ROOT)} imports {imported & above}"
        if layer != "handlers":
            assert not imported & FORBIDDEN_BELOW_HANDLERS, f"{path.relative_to(ROOT)} imports a channel/web lib"


def test_conversations_touch_no_database_redis_or_http():
    for path in (ROOT / "conversations").rglob("*.py"):
        imported = _imports(path)
        assert not imported & {"sqlalchemy", "redis", "httpx", "aiosqlite", "asyncpg"}, path


def test_modules_stay_small():
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            if "migrations" not in path.parts:
                assert len(path.read_text().splitlines()) <= 400, f"{path} is over 400 lines"
