"""Errors raised by the k3-tables client.

Every failure the server reports carries a stable ``ERR_*`` code, a message that says what to do,
whether the same request may succeed later (``retryable``) and the request id to quote in a bug
report. Failures to reach the server at all are :class:`K3ConnectionError` (retryable).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional


class K3Error(Exception):
    """An error answered by the server (or the transport), with its ``ERR_*`` code."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        status: Optional[int] = None,
        request_id: Optional[str] = None,
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.status = status
        self.request_id = request_id
        self.details = dict(details or {})

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return f"K3Error(code={self.code!r}, status={self.status!r}, retryable={self.retryable!r}, message={self.message!r})"


class K3AuthError(K3Error):
    """ERR_UNAUTHENTICATED (no or bad token) or ERR_FORBIDDEN (the token does not allow this)."""


class K3ConnectionError(K3Error):
    """The server could not be reached or the connection broke; safe to retry reads."""


def error_from_body(status: int, body: Any) -> K3Error:
    """Builds the error for a non-2xx response body ``{code, message, retryable, requestId}``."""
    if isinstance(body, Mapping) and isinstance(body.get("code"), str):
        code = body["code"]
        cls = K3AuthError if code in ("ERR_UNAUTHENTICATED", "ERR_FORBIDDEN") else K3Error
        return cls(
            code,
            str(body.get("message", "")),
            retryable=bool(body.get("retryable", False)),
            status=status,
            request_id=body.get("requestId"),
            details=body.get("details") if isinstance(body.get("details"), Mapping) else None,
        )
    text = body if isinstance(body, str) else repr(body)
    return K3Error("ERR_HTTP", f"HTTP {status}: {text[:500]}", retryable=status >= 500, status=status)
