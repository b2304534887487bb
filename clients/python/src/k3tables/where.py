"""Structured predicates for the typed RPCs (Update, DeleteRows, Query).

The wire form is ``{"column", "op", "value"}`` leaves combined with ``{"and": [...]}``,
``{"or": [...]}`` and ``{"not": ...}``; values are always sent as bound parameters, never as SQL
text. Build them with these helpers, or pass a plain mapping ``{"region": "UK", "year": 2026}``
(every column equal to its value)::

    from k3tables import where as w
    w.and_(w.eq("region", "UK"), w.gt("amount", 1000))
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Mapping, Optional

from .values import encode_value

Predicate = Dict[str, Any]


def _leaf(column: str, op: str, value: Any = None, *, has_value: bool = True) -> Predicate:
    out: Predicate = {"column": column, "op": op}
    if has_value:
        out["value"] = encode_value(value)
    return out


def eq(column: str, value: Any) -> Predicate:
    return _leaf(column, "EQ", value)


def ne(column: str, value: Any) -> Predicate:
    return _leaf(column, "NE", value)


def lt(column: str, value: Any) -> Predicate:
    return _leaf(column, "LT", value)


def le(column: str, value: Any) -> Predicate:
    return _leaf(column, "LE", value)


def gt(column: str, value: Any) -> Predicate:
    return _leaf(column, "GT", value)


def ge(column: str, value: Any) -> Predicate:
    return _leaf(column, "GE", value)


def in_(column: str, values: Iterable[Any]) -> Predicate:
    return _leaf(column, "IN", list(values))


def not_in(column: str, values: Iterable[Any]) -> Predicate:
    return _leaf(column, "NOT_IN", list(values))


def between(column: str, low: Any, high: Any) -> Predicate:
    return _leaf(column, "BETWEEN", [low, high])


def like(column: str, pattern: str, *, case_insensitive: bool = False) -> Predicate:
    return _leaf(column, "ILIKE" if case_insensitive else "LIKE", pattern)


def is_null(column: str) -> Predicate:
    return _leaf(column, "IS_NULL", has_value=False)


def is_not_null(column: str) -> Predicate:
    return _leaf(column, "IS_NOT_NULL", has_value=False)


def and_(*predicates: Predicate) -> Predicate:
    return {"and": list(predicates)}


def or_(*predicates: Predicate) -> Predicate:
    return {"or": list(predicates)}


def not_(predicate: Predicate) -> Predicate:
    return {"not": predicate}


def normalize(where: Optional[Mapping[str, Any]]) -> Optional[Predicate]:
    """A predicate in wire form, or a ``{column: value}`` mapping meaning all-equal."""
    if where is None:
        return None
    keys = set(where)
    if keys & {"and", "or", "not"} or ("column" in keys and "op" in keys):
        return dict(where)
    leaves = [eq(k, v) for k, v in where.items()]
    if not leaves:
        raise ValueError("an empty predicate mapping matches nothing; pass None to mean every row")
    return leaves[0] if len(leaves) == 1 else and_(*leaves)
