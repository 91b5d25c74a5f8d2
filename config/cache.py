"""Django's Redis cache backend, reusing one redis-py client per connection pool.

Django builds a new ``redis.Redis`` object for every cache call (``RedisCacheClient.get_client``). With
redis-py 5+ that constructor costs about 0.3 ms, paid twice on every logged-in page (session, page
generations): a quarter of the cached scorecard page. A client holds no per-call state (the pool hands
out connections), so one per pool is what redis-py itself recommends.
"""
from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            # Keyed by the pool's identity; the pool lives as long as this object (self._pools).
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient


#: Backends whose entries live in one process only: each gunicorn worker would keep its own copy.
PROCESS_LOCAL_BACKENDS = ("django.core.cache.backends.locmem.LocMemCache",)


def process_local_caches(caches: dict[str, dict[str, Any]]) -> list[str]:
    """Aliases of the CACHES setting that several processes cannot share. With more than one web process
    such a cache serves stale pages after a save (the page cache's generations are per process) and
    multiplies the lock-out's attempts by the number of processes, so gunicorn refuses it
    (config/gunicorn.conf.py)."""
    return [alias for alias, options in caches.items() if options.get("BACKEND") in PROCESS_LOCAL_BACKENDS]
