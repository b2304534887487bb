"""Decoding of result values by their DuckDB column type.

The server encodes rows losslessly in JSON (docs/api.md, "Row encoding"): 64-bit-and-wider
integers and decimals as strings of digits, NaN / ±Infinity / -0 as strings, BLOB as base64,
DATE / TIMESTAMP / TIMESTAMPTZ as text, JSON as its text, LIST as arrays, STRUCT as objects, MAP
as ``[{key, value}]`` and UNION as ``{tag, value}``. Each column carries its exact DuckDB type
text; :func:`decoder_for` turns that text into a function from the JSON value to the Python value:

=====================================  ===============================================
DuckDB type                            Python value
=====================================  ===============================================
TINYINT … BIGINT, HUGEINT, unsigned    ``int``
DECIMAL(p, s)                          ``decimal.Decimal``
FLOAT, DOUBLE                          ``float`` (NaN and infinities included)
BOOLEAN                                ``bool``
VARCHAR, ENUM                          ``str``
UUID                                   ``uuid.UUID``
JSON                                   the parsed JSON value
BLOB                                   ``bytes``
DATE                                   ``datetime.date`` (``"infinity"`` and BC dates stay text)
TIMESTAMP, TIMESTAMPTZ                 timezone-aware ``datetime`` in UTC (microseconds)
TIME                                   ``datetime.time``
INTERVAL, BIT, others                  the server's text
LIST / ARRAY                           ``list`` of decoded elements
STRUCT                                 ``dict`` of decoded fields
MAP                                    ``dict`` (``list`` of ``(key, value)`` if keys are unhashable)
UNION                                  ``{"tag": …, "value": decoded}``
=====================================  ===============================================
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, List, Tuple

Decoder = Callable[[Any], Any]

_INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
    "UBIGINT", "UHUGEINT", "BIGNUM", "VARINT", "INT1", "INT2", "INT4", "INT8", "LONG", "SHORT",
}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8"}
_TIMESTAMP_TYPES = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME"}
_TIMESTAMPTZ_TYPES = {"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"}


def _identity(value: Any) -> Any:
    return value


def _nullable(fn: Decoder) -> Decoder:
    def decode(value: Any) -> Any:
        return None if value is None else fn(value)

    return decode


def _to_int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else int(value)


def _to_float(value: Any) -> float:
    return float(value)  # "NaN", "Infinity", "-Infinity" and "-0" are what float() accepts


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _to_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _to_bytes(value: Any) -> bytes:
    return base64.b64decode(value)


def _to_date(value: Any) -> Any:
    if not isinstance(value, str) or "infinity" in value or "(BC)" in value:
        return value
    return dt.date.fromisoformat(value)


_TS = re.compile(r"^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d(?::?\d\d)?)?$")


def _to_timestamp(value: Any) -> Any:
    """UTC wall-clock text (TIMESTAMP) or ISO-8601 with a zone (TIMESTAMPTZ) → aware datetime."""
    if not isinstance(value, str):
        return value
    m = _TS.match(value)
    if m is None or len(m.group(1)) > 4:
        return value  # infinity, BC or beyond year 9999: keep the server's text
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    micros = int((m.group(7) or "0")[:6].ljust(6, "0"))
    zone = m.group(8)
    tz = dt.timezone.utc
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or "0"))
        tz = dt.timezone(sign * offset)
    return dt.datetime(year, month, day, hour, minute, second, micros, tzinfo=tz).astimezone(dt.timezone.utc)


def _to_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return value


def _to_uuid(value: Any) -> Any:
    return uuid.UUID(value) if isinstance(value, str) else value


def split_top_level(text: str) -> List[str]:
    """Splits ``a INTEGER, b STRUCT(x INT, y INT)`` on the commas outside parentheses and quotes."""
    parts: List[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _field(part: str) -> Tuple[str, str]:
    """``"my field" INTEGER`` or ``name VARCHAR[]`` → (name, type text)."""
    if part.startswith('"'):
        end = 1
        while True:
            end = part.index('"', end)
            if part[end + 1 : end + 2] == '"':
                end += 2
                continue
            break
        return part[1:end].replace('""', '"'), part[end + 1 :].strip()
    name, _, rest = part.partition(" ")
    return name, rest.strip()


def _list_decoder(element: Decoder) -> Decoder:
    return lambda value: [element(v) for v in value]


def _struct_decoder(fields: List[Tuple[str, Decoder]]) -> Decoder:
    def decode(value: Any) -> Any:
        out = dict(value)
        for name, fn in fields:
            if name in out:
                out[name] = fn(out[name])
        return out

    return decode


def _map_decoder(key: Decoder, val: Decoder) -> Decoder:
    def decode(value: Any) -> Any:
        pairs = [(key(e["key"]), val(e["value"])) for e in value]
        try:
            return dict(pairs)
        except TypeError:
            return pairs

    return decode


def _union_decoder(members: dict) -> Decoder:
    def decode(value: Any) -> Any:
        tag = value.get("tag")
        fn = members.get(tag, _identity)
        return {"tag": tag, "value": fn(value.get("value"))}

    return decode


@lru_cache(maxsize=1024)
def decoder_for(type_text: str) -> Decoder:
    """The decoder for one column's DuckDB type text (cached per distinct text)."""
    return _nullable(_decoder(type_text.strip()))


def _decoder(t: str) -> Decoder:
    upper = t.upper()
    if upper.endswith("]"):
        inner = t[: t.rindex("[")]
        return _list_decoder(decoder_for(inner))
    head, paren, rest = t.partition("(")
    head_u = head.strip().upper()
    if paren and head_u == "STRUCT":
        return _struct_decoder([(n, decoder_for(ft)) for n, ft in map(_field, split_top_level(rest[:-1]))])
    if paren and head_u == "MAP":
        k, v = split_top_level(rest[:-1])
        return _map_decoder(decoder_for(k), decoder_for(v))
    if paren and head_u == "UNION":
        return _union_decoder({n: decoder_for(ft) for n, ft in map(_field, split_top_level(rest[:-1]))})
    if head_u in ("DECIMAL", "NUMERIC"):
        return Decimal
    if paren and head_u == "ENUM":
        return str
    if upper in _INTEGER_TYPES:
        return _to_int
    if upper in _FLOAT_TYPES:
        return _to_float
    if upper in ("BOOLEAN", "BOOL"):
        return _to_bool
    if upper == "JSON":
        return _to_json
    if upper in ("BLOB", "BYTEA", "VARBINARY"):
        return _to_bytes
    if upper == "DATE":
        return _to_date
    if upper in _TIMESTAMP_TYPES or upper in _TIMESTAMPTZ_TYPES:
        return _to_timestamp
    if upper == "TIME":
        return _to_time
    if upper == "UUID":
        return _to_uuid
    return _identity


def encode_value(value: Any) -> Any:
    """A Python value → the JSON the typed RPCs take (int64 as text, bytes as base64, …)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value) if abs(value) >= 2**53 else value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value).replace("inf", "Infinity").replace("nan", "NaN")
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return value
