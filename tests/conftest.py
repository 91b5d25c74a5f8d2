from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from organization.models import Entity
from performance.models import Cycle

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The Bergamo 2023 demo is loaded once; each test runs in a transaction on top of it."""
    with django_db_blocker.unblock():
        call_command("load_demo", password="test-password-123")


@pytest.fixture
def demo_cycle(db) -> Cycle:
    return Cycle.objects.get(entity__code="cciaa-bergamo", year=2023)


@pytest.fixture
def other_entity(db) -> Entity:
    return Entity.objects.create(code="cciaa-test", name="Camera di commercio di Prova")


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo workbook (CSV folder) to break in tests."""
    target = tmp_path / "piano"
    shutil.copytree(DEMO_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def read_sheet(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_sheet(folder: Path, name: str, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
    header = header or list(rows[0].keys())
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API leaves an event loop set on the main thread, which
    Django takes for async context and would refuse database access in the tests after it."""
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded evidence goes to a temporary folder, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: the database rolls back after a test, the cache would not."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def period(demo_cycle):
    """The demo cycle's final period (the one the seed reports)."""
    from performance.models import Period

    return Period.objects.get(cycle=demo_cycle, is_final=True)


@pytest.fixture
def as_user(client, db):
    """as_user("resp.ri") → the test client logged in as that demo user."""
    from django.contrib.auth import get_user_model

    def login(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return login
