"""``AsyncClient``: the same API as :class:`k3tables.Client` for asyncio code.

Standard library only: each call runs the blocking client in a worker thread
(``asyncio.to_thread``), so many calls run concurrently without blocking the event loop; streamed
results are consumed batch by batch from a thread as well.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any, AsyncIterator, Callable, Optional

from .client import Client, Tables
from .results import Row

_END = object()


class AsyncTables:
    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self.bucket = tables.bucket

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = getattr(self._tables, name)
        if not callable(fn) or name.startswith("_") or name in ("stream", "changes"):
            raise AttributeError(name)

        @functools.wraps(fn)
        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(fn, *args, **kwargs)

        return call

    async def stream(self, sql: str, *, freshness: Optional[str] = None) -> AsyncIterator[Row]:
        """Streamed rows; the HTTP body is read in a worker thread, one row at a time."""
        it = self._tables.stream(sql, freshness=freshness)
        while True:
            row = await asyncio.to_thread(next, it, _END)
            if row is _END:
                return
            yield row  # type: ignore[misc]


    async def changes(self, table: str, **options: Any) -> AsyncIterator[Row]:
        """Every change row of the feed (see :meth:`k3tables.Tables.changes`), pages fetched in a worker thread."""
        it = self._tables.changes(table, **options)
        while True:
            row = await asyncio.to_thread(next, it, _END)
            if row is _END:
                return
            yield row  # type: ignore[misc]


class AsyncClient:
    """``async with AsyncClient(url=..., token=...) as k3: rows = await k3.tables("b").query(sql)``."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, **options: Any) -> None:
        self._client = Client(url=url, token=token, **options)

    @property
    def url(self) -> str:
        return self._client.url

    def tables(self, bucket: str) -> AsyncTables:
        return AsyncTables(self._client.tables(bucket))

    async def close(self) -> None:
        self._client.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
