"""k3tables against a started k3-tables server.

Run by `test/clients/python-sdk.test.ts` (npm test), which starts the server and sets
K3_TEST_URL, K3_TEST_TOKEN (may be empty when the server runs without auth) and K3_TEST_BUCKET.
By hand: start `npm start`, then
`K3_TEST_URL=http://127.0.0.1:8080 K3_TEST_TOKEN=… K3_TEST_BUCKET=pytest PYTHONPATH=clients/python/src python3 -m unittest discover -s clients/python/tests`.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import resource
import unittest
import uuid
from decimal import Decimal

from k3tables import AsyncClient, Client, K3AuthError, K3Error, QueryResult, WriteResult, where as w

URL = os.environ.get("K3_TEST_URL", "")
TOKEN = os.environ.get("K3_TEST_TOKEN") or None
BUCKET = os.environ.get("K3_TEST_BUCKET", "pytest")
STREAM_ROWS = int(os.environ.get("K3_TEST_STREAM_ROWS", "1000000"))


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@unittest.skipUnless(URL, "K3_TEST_URL is not set (run through npm test)")
class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.k3 = Client(url=URL, token=TOKEN)
        cls.t = cls.k3.tables(BUCKET)
        # The bucket comes into being with its first table (errors below are about SQL, not buckets).
        cls.t.execute(f"CREATE TABLE {unique('setup')} (a INTEGER)")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.k3.close()

    def test_landing_page_snippet(self) -> None:
        name = unique("contracts")
        self.t.execute(f"CREATE TABLE {name} (id BIGINT PRIMARY KEY, region VARCHAR, amount DOUBLE, signed_at TIMESTAMP)")
        self.t.execute(
            f"INSERT INTO {name} VALUES (1, 'UK', 100.5, '2026-05-01'), (2, 'UK', 200, '2026-05-02'), (3, 'EU', 50, '2026-03-01')"
        )
        rows = self.t.query(
            f"""
            SELECT region, SUM(amount) AS total
            FROM {name} WHERE signed_at > '2026-04-01'
            GROUP BY region
            """,
            freshness="strong",
        )
        self.assertIsInstance(rows, QueryResult)
        printed = [(r.region, r.total) for r in rows]
        self.assertEqual(printed, [("UK", 300.5)])
        self.assertEqual(rows[0]["region"], "UK")
        self.assertEqual(rows[0][1], 300.5)
        self.assertTrue(rows.strategy.startswith("QUERY_STRATEGY_"))

    def test_every_column_type_converts(self) -> None:
        name = unique("types")
        self.t.execute(
            f"""CREATE TABLE {name} (s VARCHAR, i INTEGER, l BIGINT, sh SMALLINT, f FLOAT, d DOUBLE, b BOOLEAN,
                dt DATE, ts TIMESTAMP, bin BLOB, j JSON)"""
        )
        self.t.execute(
            f"""INSERT INTO {name} VALUES ('héllo', 42, 9007199254740993, -7, 0.5, 1e300, true, DATE '2026-02-28',
                TIMESTAMP '2026-02-28 13:14:15.123456', '\\x00\\xFF'::BLOB, '{{"a": [1, 2, {{"b": null}}], "big": 12345678901234567890}}')"""
        )
        r = self.t.query(f"SELECT * FROM {name}", freshness="strong")[0]
        self.assertEqual(r.s, "héllo")
        self.assertEqual((r.i, type(r.i)), (42, int))
        self.assertEqual(r.l, 9007199254740993)  # beyond 2^53: exact
        self.assertEqual(r.sh, -7)
        self.assertEqual(r.f, 0.5)
        self.assertEqual(r.d, 1e300)
        self.assertIs(r.b, True)
        self.assertEqual(r.dt, dt.date(2026, 2, 28))
        self.assertEqual(r.ts, dt.datetime(2026, 2, 28, 13, 14, 15, 123456, tzinfo=dt.timezone.utc))
        self.assertEqual(r.bin, b"\x00\xff")
        self.assertEqual(r.j, {"a": [1, 2, {"b": None}], "big": 12345678901234567890})
        nulls = self.t.query(f"SELECT NULL::BIGINT AS n, NULL::DATE AS d")[0]
        self.assertEqual((nulls.n, nulls.d), (None, None))

    def test_computed_types_convert(self) -> None:
        r = self.t.query(
            """SELECT 12.345::DECIMAL(10,3) AS dec, TIMESTAMPTZ '2026-01-01 00:00:00+02' AS tz,
                      'NaN'::DOUBLE AS nan, '-infinity'::DOUBLE AS ninf, [1, 2, NULL] AS lst,
                      {'k': 1.5::DECIMAL(4,2), 'n': [DATE '2026-01-02']} AS st, MAP {'a': 1::BIGINT} AS m,
                      'f0e1d2c3-0000-4000-8000-000000000001'::UUID AS u, TIME '01:02:03' AS t,
                      170141183460469231731687303715884105727::HUGEINT AS h"""
        )[0]
        self.assertEqual(r.dec, Decimal("12.345"))
        self.assertEqual(r.tz, dt.datetime(2025, 12, 31, 22, 0, tzinfo=dt.timezone.utc))
        self.assertNotEqual(r.nan, r.nan)
        self.assertEqual(r.ninf, float("-inf"))
        self.assertEqual(r.lst, [1, 2, None])
        self.assertEqual(r.st, {"k": Decimal("1.50"), "n": [dt.date(2026, 1, 2)]})
        self.assertEqual(r.m, {"a": 1})
        self.assertEqual(r.u, uuid.UUID("f0e1d2c3-0000-4000-8000-000000000001"))
        self.assertEqual(r.t, dt.time(1, 2, 3))
        self.assertEqual(r.h, 2**127 - 1)

    def test_writes_and_maintenance(self) -> None:
        name = unique("events")
        ddl = self.t.execute(f"CREATE TABLE {name} (id BIGINT PRIMARY KEY, kind VARCHAR, n INTEGER)")
        self.assertEqual(ddl.action, "CREATE_TABLE")
        res = self.t.execute(f"INSERT INTO {name} VALUES (1, 'a', 1), (2, 'b', 2)")
        self.assertIsInstance(res, WriteResult)
        self.assertEqual(res.rows_affected, 2)
        self.assertTrue(res.strategy.startswith("WRITE_STRATEGY_"))
        self.assertEqual(self.t.compact(name, until_drained=True).get("truncated", False), False)
        self.assertIn(name, [t["name"] for t in self.t.list()])
        desc = self.t.describe(name)
        self.assertEqual(desc["name"], name)
        self.assertEqual(int(desc["rowCount"]), 2)
        self.t.execute(f"UPDATE {name} SET n = 10 WHERE id = 1")
        self.t.compact(name, until_drained=True)
        history = self.t.history(name, limit=10)
        self.assertGreaterEqual(len(history), 2)
        before = int(history[-1]["version"])
        self.t.restore(name, version=before)
        self.assertEqual(len(self.t.query(f"SELECT * FROM {name}", freshness="strong")), 0)
        vac = self.t.vacuum(name, dry_run=True)
        self.assertIs(vac["dryRun"], True)
        self.assertGreaterEqual(int(vac["filesDeleted"]), 0)
        opt = self.t.optimize(name)
        self.assertEqual(opt["optimizeType"], "compact")
        self.assertRegex(opt["version"], r"^\d+$")

    def test_typed_rpcs(self) -> None:
        name = unique("typed")
        self.t.execute(f"CREATE TABLE {name} (id BIGINT PRIMARY KEY, region VARCHAR, amount DOUBLE, raw BLOB)")
        ins = self.t.insert(name, [{"id": 1, "region": "UK", "amount": 10.0, "raw": b"\x01"}, {"id": 2, "region": "EU", "amount": 5.0}])
        self.assertEqual(ins.rows_affected, 2)
        self.t.merge(name, [{"id": 2, "region": "EU", "amount": 7.5}, {"id": 3, "region": "UK", "amount": 1.0}])
        self.t.update(name, {"amount": 11.0}, w.eq("id", 1))
        self.t.delete_rows(name, {"region": "EU"})
        got = self.t.select(name, where=w.eq("region", "UK"), order_by=["-amount"], freshness="strong")
        self.assertEqual([(r.id, r.amount) for r in got], [(1, 11.0), (3, 1.0)])
        self.assertEqual(got[0].raw, b"\x01")

    def test_errors_carry_code_and_retryable(self) -> None:
        with self.assertRaises(K3Error) as cm:
            self.t.query("SELEC 1")
        self.assertEqual(cm.exception.code, "ERR_SQL_PARSE")
        self.assertFalse(cm.exception.retryable)
        self.assertEqual(cm.exception.status, 400)
        with self.assertRaises(K3Error) as cm2:
            self.t.query(f"SELECT * FROM {unique('missing')}")
        self.assertIn(cm2.exception.code, ("ERR_TABLE_NOT_FOUND", "ERR_SQL_BIND"))

    @unittest.skipUnless(TOKEN, "the server runs without auth")
    def test_bad_token_is_an_auth_error(self) -> None:
        with Client(url=URL, token="k3_not_a_real_token") as bad:
            with self.assertRaises(K3AuthError) as cm:
                bad.tables(BUCKET).list()
        self.assertEqual(cm.exception.code, "ERR_UNAUTHENTICATED")

    def test_async_client(self) -> None:
        async def run() -> list:
            async with AsyncClient(url=URL, token=TOKEN) as k3:
                t = k3.tables(BUCKET)
                results = await asyncio.gather(*(t.query(f"SELECT {i} AS i") for i in range(8)))
                streamed = [r.i async for r in t.stream("SELECT range AS i FROM range(5)")]
                return [res[0].i for res in results] + streamed

        self.assertEqual(asyncio.run(run()), list(range(8)) + list(range(5)))

    def test_streamed_million_rows_bounded_memory(self) -> None:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        count = 0
        total = 0
        for r in self.t.stream(f"SELECT range AS i, 'row ' || range AS label FROM range({STREAM_ROWS})"):
            count += 1
            total += r.i
        grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        self.assertEqual(count, STREAM_ROWS)
        self.assertEqual(total, STREAM_ROWS * (STREAM_ROWS - 1) // 2)
        # Materialized, 1M decoded rows would take hundreds of MiB in CPython.
        self.assertLess(grown_mib, 64, f"client RSS grew {grown_mib:.0f} MiB while streaming")


if __name__ == "__main__":
    unittest.main()
