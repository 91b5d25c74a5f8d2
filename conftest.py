"""Project-wide pytest set-up: tests run only against PostgreSQL (make test starts one)."""
import os

import pytest

os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


def pytest_configure(config):
    # The pytest process itself: PostgreSQL only. The one exception is a subprocess, not this process:
    # tests/smoke/test_demo_sqlite.py runs migrate, load_demo and a crawler in a child with its own
    # environment (a SQLite DATABASE_URL, no REDIS_URL), because that is how `make run` serves the demo
    # and nothing else would notice a PostgreSQL-only construct there.
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.exit("The suite runs against PostgreSQL only: use `make test` (it starts PostgreSQL and Redis).", 2)
