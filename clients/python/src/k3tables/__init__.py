"""k3tables: a standard-library-only Python client for k3-tables.

    from k3tables import Client
    k3 = Client(url="http://127.0.0.1:8080", token=TOKEN)
    rows = k3.tables("my-bucket").query("SELECT region, SUM(amount) AS total FROM contracts GROUP BY region")
    for r in rows:
        print(r.region, r.total)
"""
from . import where
from .aio import AsyncClient, AsyncTables
from .client import Client, Tables
from .errors import K3AuthError, K3ConnectionError, K3Error
from .results import ChangesPage, Column, DdlResult, DiffResult, QueryResult, Row, WriteResult

__all__ = [
    "AsyncClient", "AsyncTables", "ChangesPage", "Client", "Column", "DdlResult", "DiffResult", "K3AuthError", "K3ConnectionError",
    "K3Error", "QueryResult", "Row", "Tables", "WriteResult", "where",
]
__version__ = "0.1.0"
