"""The engine stays pure: no ORM, no database, only translation from Django."""
from __future__ import annotations

import ast
from pathlib import Path

import performance.engine as engine

ALLOWED_DJANGO = {"django.utils.translation"}
ALLOWED_PROJECT = {"performance.parsing"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_engine_imports_no_orm_or_database():
    files = sorted(Path(engine.__file__).parent.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        for name in imported_modules(path):
            if name.split(".")[0] == "django":
                assert name in ALLOWED_DJANGO, f"{path.name} imports {name}"
            if name.split(".")[0] in ("performance", "organization", "budget", "reports"):
                assert name in ALLOWED_PROJECT, f"{path.name} imports {name}"
            assert name.split(".")[0] not in ("psycopg", "sqlite3", "celery", "rest_framework"), f"{path.name} imports {name}"


def test_modules_stay_small():
    for path in Path(engine.__file__).parent.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path.name
