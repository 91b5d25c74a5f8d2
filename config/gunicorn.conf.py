"""gunicorn settings of the production image (Dockerfile: ``gunicorn -c config/gunicorn.conf.py``).

The one rule here: several worker processes need a cache they share. Without REDIS_URL the settings fall
back to LocMemCache, which lives inside each process: after a save, the workers that did not serve it keep
showing the old scorecard, and the login lock-out counts failures per worker (4 workers, 4 x 5 attempts).
So more than one worker without a shared cache stops the start instead of running wrong. One worker
(``--workers 1``) is allowed: a single process is consistent with itself. ``make run`` uses runserver and is
not concerned.
"""
from __future__ import annotations

import os
import sys

# The command line (--workers, --bind) overrides these; WEB_CONCURRENCY is gunicorn's own variable.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
accesslog = "-"

MESSAGE = (
    "Avvio rifiutato: {workers} processi gunicorn senza una cache condivisa (REDIS_URL non impostata, cache "
    "«{aliases}» locale a ogni processo). Ogni processo vedrebbe dati vecchi dopo un salvataggio e il blocco "
    "dopo 5 accessi falliti varrebbe per processo. Impostare REDIS_URL oppure avviare con --workers 1.\n"
    "Refusing to start: {workers} gunicorn workers without a shared cache (REDIS_URL is not set; cache "
    "'{aliases}' is local to each process). Set REDIS_URL or run with --workers 1."
)


def on_starting(server) -> None:
    """Runs in the master before any worker is forked, with the final configuration (command line included)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    from config.cache import process_local_caches

    local = process_local_caches(settings.CACHES)
    if server.cfg.workers > 1 and local:
        message = MESSAGE.format(workers=server.cfg.workers, aliases=", ".join(local))
        server.log.error(message)
        print(message, file=sys.stderr)
        sys.exit(1)  # SystemExit: the arbiter stops with this code before forking anything
