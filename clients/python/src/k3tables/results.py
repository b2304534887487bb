"""Result objects: rows with attribute and key access, and the three Execute result kinds."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union, overload

from .values import decoder_for


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the exact DuckDB type text, e.g. "DECIMAL(18,2)", "VARCHAR[]"


class Row(Sequence[Any]):
    """One result row: ``r.region``, ``r["region"]``, ``r[0]``, ``dict(r.items())``."""

    __slots__ = ("_values", "_index")

    def __init__(self, values: Tuple[Any, ...], index: Mapping[str, int]) -> None:
        self._values = values
        self._index = index

    @overload
    def __getitem__(self, key: int) -> Any: ...
    @overload
    def __getitem__(self, key: slice) -> Sequence[Any]: ...
    @overload
    def __getitem__(self, key: str) -> Any: ...

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:
                raise KeyError(f"no column {key!r}; columns are {list(self._index)}") from None
        return self._values[key]

    def __getattr__(self, name: str) -> Any:
        index = object.__getattribute__(self, "_index")
        if name in index:
            return object.__getattribute__(self, "_values")[index[name]]
        raise AttributeError(f"no column {name!r}; columns are {list(index)}")

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._values == other._values and list(self._index) == list(other._index)
        if isinstance(other, tuple):
            return self._values == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values)

    def keys(self) -> List[str]:
        return list(self._index)

    def items(self) -> List[Tuple[str, Any]]:
        return [(k, self._values[i]) for k, i in self._index.items()]

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.items())

    def __repr__(self) -> str:
        return "Row(" + ", ".join(f"{k}={v!r}" for k, v in self.items()) + ")"


class RowDecoder:
    """Decodes the JSON rows of one result shape (columns) into :class:`Row` objects."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self._decoders = [decoder_for(c.type) for c in self.columns]
        self._index: Dict[str, int] = {}
        for i, c in enumerate(self.columns):
            self._index.setdefault(c.name, i)

    def row(self, values: Sequence[Any]) -> Row:
        return Row(tuple(fn(v) for fn, v in zip(self._decoders, values)), self._index)


def columns_of(raw: Any) -> List[Column]:
    return [Column(str(c["name"]), str(c.get("type") or c.get("duckdbType") or "")) for c in raw or []]


def _int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    return int(value)


class _DecodedRows(Sequence[Row]):
    """A response's ``columns`` and ``rows`` decoded by column type, usable as a sequence of rows."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)
        self.columns = columns_of(raw.get("columns"))
        decoder = RowDecoder(self.columns)
        self.rows: List[Row] = [decoder.row(r) for r in raw.get("rows") or []]

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Row]: ...

    def __getitem__(self, i: Any) -> Any:
        return self.rows[i]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


class QueryResult(_DecodedRows):
    """Rows of a read, plus how the planner answered it (strategy, versions, scan counters)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        super().__init__(raw)
        self.row_count = _int(raw.get("rowCount"), len(self.rows))
        self.strategy: str = raw.get("strategy", "")
        self.served_by: str = raw.get("servedBy", "")
        self.strategy_reason: str = raw.get("strategyReason", "")
        self.version: Optional[int] = _int(raw["version"]) if raw.get("version") not in (None, "") else None
        self.versions: Dict[str, int] = {k: int(v) for k, v in (raw.get("versions") or {}).items()}
        self.timings: Dict[str, Any] = dict(raw.get("timings") or {})
        self.usage: Dict[str, Any] = dict(raw.get("usage") or {})

    def __repr__(self) -> str:
        return f"QueryResult(rows={self.row_count}, strategy={self.strategy!r}, columns={[c.name for c in self.columns]})"


@dataclass
class WriteResult:
    """INSERT / UPDATE / DELETE / MERGE and the typed writes."""

    table_name: str
    strategy: str
    rows_affected: int
    version: Optional[int]
    returning: Optional[QueryResult] = None
    raw: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> "WriteResult":
        returning = raw.get("returning")
        return cls(
            table_name=raw.get("tableName", ""),
            strategy=raw.get("strategy", ""),
            rows_affected=_int(raw.get("rowsAffected")),
            version=_int(raw["version"]) if raw.get("version") not in (None, "") else None,
            returning=QueryResult(returning) if returning else None,
            raw=dict(raw),
        )


@dataclass
class DdlResult:
    """CREATE / ALTER / DROP / RESTORE."""

    action: str
    table_name: str
    version: Optional[int]
    table: Optional[Dict[str, Any]] = None
    raw: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> "DdlResult":
        return cls(
            action=raw.get("action", ""),
            table_name=raw.get("tableName", ""),
            version=_int(raw["version"]) if raw.get("version") not in (None, "") else None,
            table=raw.get("table"),
            raw=dict(raw),
        )


class ChangesPage(_DecodedRows):
    """One page of a table's Change Data Feed: rows with the table's columns plus ``_change_type``,
    ``_commit_version`` and ``_commit_timestamp``, decoded by column type."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        super().__init__(raw)
        self.table_name: str = raw.get("tableName", "")
        self.from_version = _int(raw.get("fromVersion"))
        self.to_version = _int(raw.get("toVersion"))
        #: ``None`` on the last page.
        self.next_page_token: Optional[str] = raw.get("nextPageToken") or None

    def __repr__(self) -> str:
        return f"ChangesPage(versions={self.from_version}..{self.to_version}, rows={len(self.rows)}, more={self.next_page_token is not None})"


@dataclass
class DiffResult:
    """What changed between two versions: counts (always complete) and up to ``limit`` rows, each
    ``{"change": "added"|"removed"|"changed", "key": {...}, "before": {...}, "after": {...}}``
    (``key`` only for tables with a primary key; values as JSON)."""

    table_name: str
    from_version: int
    to_version: int
    key_columns: List[str]
    added: int
    removed: int
    changed: int
    rows: List[Dict[str, Any]]
    truncated: bool
    raw: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> "DiffResult":
        return cls(
            table_name=raw.get("tableName", ""),
            from_version=_int(raw.get("fromVersion")),
            to_version=_int(raw.get("toVersion")),
            key_columns=list(raw.get("keyColumns") or []),
            added=_int(raw.get("added")),
            removed=_int(raw.get("removed")),
            changed=_int(raw.get("changed")),
            rows=[dict(r) for r in raw.get("rows") or []],
            truncated=bool(raw.get("truncated")),
            raw=dict(raw),
        )


ExecuteResult = Union[QueryResult, WriteResult, DdlResult]


def execute_result(body: Mapping[str, Any]) -> ExecuteResult:
    if "query" in body:
        return QueryResult(body["query"])
    if "write" in body:
        return WriteResult.from_raw(body["write"])
    if "ddl" in body:
        return DdlResult.from_raw(body["ddl"])
    raise ValueError(f"not an Execute response: {sorted(body)}")
