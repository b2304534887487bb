"""The synchronous client: ``Client(url=..., token=...).tables("my-bucket").query(sql)``.

Speaks the REST/pbjson wire of ``dodil.k3.tables.v1.TableService`` (docs/api.md) with the standard
library only. Retries, with jittered exponential backoff, only what is safe to retry: answers the
server marks ``retryable`` (it did not apply the request, or the request carries an idempotency
key) and connections that were refused before anything was sent.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import socket
import ssl
import threading
import time
import urllib.parse
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Union

from .errors import K3ConnectionError, K3Error, error_from_body
from .results import ChangesPage, DdlResult, DiffResult, ExecuteResult, QueryResult, Row, RowDecoder, WriteResult, columns_of, execute_result
from .values import encode_value
from .where import normalize

DEFAULT_URL = "http://127.0.0.1:8080"
_FRESHNESS = {
    "eventual": "FRESHNESS_EVENTUAL",
    "strong": "FRESHNESS_STRONG",
    "oltp_only": "FRESHNESS_OLTP_ONLY",
    "oltp-only": "FRESHNESS_OLTP_ONLY",
}


def freshness_name(freshness: Optional[str]) -> Optional[str]:
    """``"strong"`` / ``"eventual"`` / ``"oltp-only"`` or the enum name → the enum name."""
    if freshness is None:
        return None
    if freshness.upper().startswith("FRESHNESS_"):
        return freshness.upper()
    try:
        return _FRESHNESS[freshness.lower()]
    except KeyError:
        raise ValueError(f"freshness must be one of eventual, strong, oltp-only (got {freshness!r})") from None


class _Response:
    def __init__(self, status: int, headers: Mapping[str, str], raw: http.client.HTTPResponse, conn: http.client.HTTPConnection) -> None:
        self.status = status
        self.headers = headers
        self.raw = raw
        self.conn = conn


class Client:
    """A k3-tables client. Thread-safe: each thread keeps its own keep-alive connection.

    ``url`` defaults to ``$K3_URL`` (else ``http://127.0.0.1:8080``), ``token`` to ``$K3_TOKEN``.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 60.0,
        retries: int = 3,
        backoff: float = 0.2,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self.url = (url or os.environ.get("K3_URL") or DEFAULT_URL).rstrip("/")
        self.token = token if token is not None else os.environ.get("K3_TOKEN")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"url must be http(s)://host[:port] (got {self.url!r})")
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path.rstrip("/")
        self._ssl = ssl_context
        self._local = threading.local()

    # ── plumbing ────────────────────────────────────────────────────────────────
    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            if self._scheme == "https":
                conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout, context=self._ssl)
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def _headers(self, extra: Optional[Mapping[str, str]]) -> Dict[str, str]:
        headers = {"accept": "application/json", "user-agent": "k3tables-python/0.1"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if extra:
            headers.update(extra)
        return headers

    def _send(self, method: str, path: str, body: Optional[bytes], headers: Dict[str, str]) -> _Response:
        """One HTTP exchange on the thread's keep-alive connection. A reused connection that the
        server had closed while idle fails before the request reaches it: that is retried once on
        a new connection; any other transport failure is an error (retryable for GET only)."""
        for attempt in (0, 1):
            reused = getattr(self._local, "conn", None) is not None and attempt == 0
            conn = self._connection(fresh=attempt == 1)
            try:
                conn.request(method, self._prefix + path, body=body, headers=headers)
                raw = conn.getresponse()
                return _Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw, conn)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                self._local.conn = None
                if reused:
                    continue
                raise K3ConnectionError("ERR_CONNECTION", f"connection to {self.url} broke: {e}", retryable=method in ("GET", "HEAD")) from e
            except (ConnectionRefusedError, socket.gaierror) as e:
                self._local.conn = None
                raise K3ConnectionError("ERR_CONNECTION", f"cannot reach {self.url}: {e}", retryable=True) from e
            except OSError as e:
                self._local.conn = None
                raise K3ConnectionError("ERR_CONNECTION", f"request to {self.url} failed: {e}", retryable=method in ("GET", "HEAD")) from e
        raise AssertionError("unreachable")

    def request(
        self,
        method: str,
        path: str,
        body: Optional[Any] = None,
        *,
        query: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Any:
        """Sends one request and returns the parsed JSON body, raising :class:`K3Error` on failure."""
        if query:
            pairs = {k: str(v) for k, v in query.items() if v is not None}
            if pairs:
                path = f"{path}?{urllib.parse.urlencode(pairs)}"
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
        hdrs = self._headers(headers)
        if data is not None:
            hdrs["content-type"] = "application/json"
        attempt = 0
        while True:
            try:
                res = self._send(method, path, data, hdrs)
                payload = res.raw.read()
                parsed: Any = json.loads(payload) if payload else None
                if 200 <= res.status < 300:
                    return parsed
                raise error_from_body(res.status, parsed if parsed is not None else payload.decode("utf-8", "replace"))
            except K3Error as err:
                attempt += 1
                if not err.retryable or attempt > self.retries:
                    raise
                time.sleep(self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random()))

    def stream_lines(self, method: str, path: str, body: Any, accept: str = "application/x-ndjson") -> Iterator[Any]:
        """Sends one request and yields its NDJSON lines parsed, reading the body incrementally."""
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        hdrs = self._headers({"accept": accept, "content-type": "application/json"})
        res = self._send(method, path, data, hdrs)
        if not 200 <= res.status < 300:
            payload = res.raw.read()
            try:
                parsed: Any = json.loads(payload)
            except ValueError:
                parsed = payload.decode("utf-8", "replace")
            raise error_from_body(res.status, parsed)
        try:
            for line in res.raw:
                line = line.strip()
                if line:
                    yield json.loads(line)
        finally:
            # A stream abandoned half-way leaves unread bytes: never reuse that socket.
            if not res.raw.isclosed():
                res.conn.close()
                self._local.conn = None

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ── API ─────────────────────────────────────────────────────────────────────
    def tables(self, bucket: str) -> "Tables":
        """The tables of one bucket."""
        return Tables(self, bucket)


def _q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


class Tables:
    """Every TableService call scoped to one bucket."""

    def __init__(self, client: Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self._base = f"/{_q(bucket)}"

    # SQL
    def execute(self, sql: str, *, freshness: Optional[str] = None, params: Optional[Sequence[Any]] = None, idempotency_key: Optional[str] = None) -> ExecuteResult:
        """Runs one DuckDB-dialect statement; returns a QueryResult, WriteResult or DdlResult."""
        body: Dict[str, Any] = {"sql": sql}
        fresh = freshness_name(freshness)
        if fresh:
            body["freshness"] = fresh
        if params is not None:
            body["params"] = [encode_value(p) for p in params]
        headers = {"idempotency-key": idempotency_key} if idempotency_key else None
        return execute_result(self.client.request("POST", f"{self._base}/tables/_execute", body, headers=headers))

    def query(self, sql: str, *, freshness: Optional[str] = None, params: Optional[Sequence[Any]] = None) -> Any:
        """Like :meth:`execute` (reads and writes, as the CLI's ``table query``): iterate a read's rows."""
        return self.execute(sql, freshness=freshness, params=params)

    def stream(self, sql: str, *, freshness: Optional[str] = None) -> Iterator[Row]:
        """Rows of a read as the server streams them (NDJSON), with bounded memory on both ends."""
        body: Dict[str, Any] = {"sql": sql}
        fresh = freshness_name(freshness)
        if fresh:
            body["freshness"] = fresh
        return _stream_rows(self.client.stream_lines("POST", f"{self._base}/tables/_execute", body))

    # catalog
    def list(self) -> List[Dict[str, Any]]:
        return list((self.client.request("GET", f"{self._base}/tables") or {}).get("tables", []))

    def describe(self, table: str) -> Dict[str, Any]:
        return dict(self.client.request("GET", f"{self._base}/tables/{_q(table)}"))

    def create(self, table: str, columns: Iterable[Mapping[str, Any]], *, partition_columns: Sequence[str] = (), merge_keys: Sequence[str] = (), **extra: Any) -> Dict[str, Any]:
        body: Dict[str, Any] = {"name": table, "columns": [dict(c) for c in columns]}
        if partition_columns:
            body["partitionColumns"] = list(partition_columns)
        if merge_keys:
            body["mergeKeys"] = list(merge_keys)
        body.update(extra)
        return dict(self.client.request("POST", f"{self._base}/tables", body))

    def drop(self, table: str) -> Any:
        return self.client.request("DELETE", f"{self._base}/tables/{_q(table)}")

    # typed data RPCs
    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> WriteResult:
        body = {"rows": [encode_value(dict(r)) for r in rows]}
        return WriteResult.from_raw(_write_of(self.client.request("POST", f"{self._base}/tables/{_q(table)}/insert", body)))

    def merge(self, table: str, rows: Iterable[Mapping[str, Any]], *, match: Optional[Sequence[str]] = None) -> WriteResult:
        body: Dict[str, Any] = {"rows": [encode_value(dict(r)) for r in rows]}
        if match:
            body["matchColumns"] = list(match)
        return WriteResult.from_raw(_write_of(self.client.request("POST", f"{self._base}/tables/{_q(table)}/merge", body)))

    def update(self, table: str, set: Mapping[str, Any], where: Optional[Mapping[str, Any]]) -> WriteResult:  # noqa: A002 - the RPC's name
        body: Dict[str, Any] = {"set": encode_value(dict(set))}
        pred = normalize(where)
        if pred is not None:
            body["where"] = pred
        return WriteResult.from_raw(_write_of(self.client.request("POST", f"{self._base}/tables/{_q(table)}/update", body)))

    def delete_rows(self, table: str, where: Optional[Mapping[str, Any]]) -> WriteResult:
        body: Dict[str, Any] = {}
        pred = normalize(where)
        if pred is not None:
            body["where"] = pred
        return WriteResult.from_raw(_write_of(self.client.request("POST", f"{self._base}/tables/{_q(table)}/delete-rows", body)))

    def select(
        self,
        table: str,
        *,
        columns: Optional[Sequence[str]] = None,
        where: Optional[Mapping[str, Any]] = None,
        order_by: Optional[Sequence[Union[str, Mapping[str, Any]]]] = None,
        limit: Optional[int] = None,
        offset: Optional[int] = None,
        freshness: Optional[str] = None,
        as_of_version: Optional[int] = None,
        as_of_timestamp: Optional[str] = None,
    ) -> QueryResult:
        """The typed Query RPC: columns, predicate, order, limit/offset, freshness, AS OF."""
        body: Dict[str, Any] = {}
        if columns:
            body["columns"] = list(columns)
        pred = normalize(where)
        if pred is not None:
            body["where"] = pred
        if order_by:
            body["orderBy"] = [_order(o) for o in order_by]
        if limit is not None:
            body["limit"] = str(limit)
        if offset is not None:
            body["offset"] = str(offset)
        fresh = freshness_name(freshness)
        if fresh:
            body["freshness"] = fresh
        if as_of_version is not None:
            body["asOfVersion"] = str(as_of_version)
        if as_of_timestamp is not None:
            body["asOfTimestamp"] = as_of_timestamp
        raw = self.client.request("POST", f"{self._base}/tables/{_q(table)}/query", body)
        return QueryResult(raw.get("query", raw))

    # maintenance
    def history(self, table: str, *, limit: Optional[int] = None, before_version: Optional[int] = None) -> List[Dict[str, Any]]:
        raw = self.client.request("GET", f"{self._base}/tables/{_q(table)}/history", query={"limit": limit, "before_version": before_version})
        return list(raw.get("entries", raw.get("history", [])))

    def optimize(self, table: str, *, zorder: Optional[Sequence[str]] = None, target_file_size_mb: Optional[int] = None) -> Dict[str, Any]:
        body: Dict[str, Any] = {}
        if zorder:
            body["zOrderColumns"] = list(zorder)
        if target_file_size_mb is not None:
            body["targetFileSizeMb"] = str(target_file_size_mb)
        return dict(self.client.request("POST", f"{self._base}/tables/{_q(table)}/optimize", body))

    def vacuum(self, table: str, *, retain_hours: Optional[int] = None, dry_run: bool = False) -> Dict[str, Any]:
        body: Dict[str, Any] = {"dryRun": dry_run}
        if retain_hours is not None:
            body["retentionHours"] = str(retain_hours)
        return dict(self.client.request("POST", f"{self._base}/tables/{_q(table)}/vacuum", body))

    def compact(self, table: str, *, batch_size: Optional[int] = None, until_drained: bool = False) -> Dict[str, Any]:
        body: Dict[str, Any] = {}
        if batch_size is not None:
            body["batchSize"] = str(batch_size)
        while True:
            out = dict(self.client.request("POST", f"{self._base}/tables/{_q(table)}/_compact", body))
            if not until_drained or not out.get("truncated"):
                return out

    def restore(self, table: str, *, version: Optional[int] = None, timestamp: Optional[str] = None) -> Dict[str, Any]:
        if (version is None) == (timestamp is None):
            raise ValueError("restore takes exactly one of version= or timestamp=")
        body = {"version": str(version)} if version is not None else {"restoreTimestamp": timestamp}
        return dict(self.client.request("POST", f"{self._base}/tables/{_q(table)}/restore", body))

    # change data feed
    def changes_page(
        self,
        table: str,
        *,
        from_version: Optional[int] = None,
        to_version: Optional[int] = None,
        from_timestamp: Optional[str] = None,
        to_timestamp: Optional[str] = None,
        page_token: Optional[str] = None,
        page_size: Optional[int] = None,
    ) -> ChangesPage:
        """One page of the table's Change Data Feed (the Changes RPC); for the next page pass the
        previous page's ``next_page_token`` as ``page_token``."""
        query = {
            "fromVersion": from_version, "toVersion": to_version, "fromTimestamp": from_timestamp,
            "toTimestamp": to_timestamp, "pageToken": page_token, "pageSize": page_size,
        }
        return ChangesPage(self.client.request("GET", f"{self._base}/tables/{_q(table)}/changes", query=query))

    def changes(self, table: str, *, page_size: Optional[int] = None, **bounds: Any) -> Iterator[Row]:
        """Every change row from ``from_version`` (or ``from_timestamp``) to ``to_version`` (or
        ``to_timestamp``; default: the latest when called), oldest version first, fetched page by
        page; ``bounds`` are :meth:`changes_page`'s."""
        if "page_token" in bounds:
            raise TypeError("changes() pages by itself; use changes_page(page_token=...) for one page")
        page = self.changes_page(table, page_size=page_size, **bounds)
        while True:
            yield from page.rows
            if page.next_page_token is None:
                return
            page = self.changes_page(table, page_token=page.next_page_token, page_size=page_size)

    def diff(self, table: str, version: int, *, to_version: Optional[int] = None, limit: Optional[int] = None) -> DiffResult:
        """What changed between ``version`` and HEAD (or ``to_version``): rows added, removed and
        changed, keyed by primary key when the table has one (the Diff RPC)."""
        query = {"version": version, "toVersion": to_version, "limit": limit}
        return DiffResult.from_raw(self.client.request("GET", f"{self._base}/tables/{_q(table)}/diff", query=query))


def _order(o: Union[str, Mapping[str, Any]]) -> Dict[str, Any]:
    if isinstance(o, str):
        desc = o.startswith("-")
        return {"column": o[1:] if desc else o, "descending": desc}
    return dict(o)


def _write_of(raw: Any) -> Mapping[str, Any]:
    return raw.get("write", raw) if isinstance(raw, Mapping) else {}


def _stream_rows(lines: Iterator[Any]) -> Iterator[Row]:
    """NDJSON stream of pbjson ResultChunks: ``{"header": {"columns": [...]}}``, then
    ``{"batch": {"rows": [[...], ...]}}`` lines, then ``{"summary": {...}}``; a failure after the
    status line arrives as ``{"error": {code, message, retryable, requestId}}``."""
    decoder: Optional[RowDecoder] = None
    for item in lines:
        if isinstance(item, list):
            if decoder is None:
                raise K3Error("ERR_PROTOCOL", "stream sent a row before its columns")
            yield decoder.row(item)
            continue
        if not isinstance(item, Mapping):
            continue
        # pbjson ResultChunk lines: {"header": {columns}}, {"batch": {rows}}, {"summary": {...}}
        if isinstance(item.get("header"), Mapping):
            item = item["header"]
        elif isinstance(item.get("batch"), Mapping):
            item = item["batch"]
        elif "summary" in item:
            continue
        if isinstance(item.get("code"), str) and "message" in item:
            raise error_from_body(200, item)
        if item.get("error"):
            raise error_from_body(200, item["error"])
        if "columns" in item:
            decoder = RowDecoder(columns_of(item["columns"]))
        rows = item.get("rows")
        if rows:
            if decoder is None:
                raise K3Error("ERR_PROTOCOL", "stream sent rows before its columns")
            for r in rows:
                yield decoder.row(r)


__all__ = ["Client", "Tables", "QueryResult", "WriteResult", "DdlResult", "freshness_name"]
