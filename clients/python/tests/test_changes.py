"""k3tables' Change Data Feed calls (Changes, Diff) against a started k3-tables server.

Run by `test/clients/python-sdk.test.ts` with the rest of this directory (see test_client.py).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import unittest
import uuid

from k3tables import AsyncClient, ChangesPage, Client, DiffResult, K3Error

URL = os.environ.get("K3_TEST_URL", "")
TOKEN = os.environ.get("K3_TEST_TOKEN") or None
BUCKET = os.environ.get("K3_TEST_BUCKET", "pytest")


@unittest.skipUnless(URL, "K3_TEST_URL is not set (run through npm test)")
class ChangesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.k3 = Client(url=URL, token=TOKEN)
        cls.t = cls.k3.tables(BUCKET)
        cls.name = f"feed_{uuid.uuid4().hex[:8]}"
        # No primary key: every write is a Delta version of its own (v1 insert, v2 update, v3 delete).
        cls.t.execute(f"CREATE TABLE {cls.name} (id BIGINT, amount DECIMAL(10,2), seen TIMESTAMP) WITH ('delta.enableChangeDataFeed' = true)")
        cls.t.execute(f"INSERT INTO {cls.name} VALUES (9007199254740993, 1.50, '2026-05-01 10:00:00'), (2, 2.00, '2026-05-02 10:00:00'), (3, 3.00, NULL)")
        cls.t.execute(f"UPDATE {cls.name} SET amount = 20.25 WHERE id = 2")
        cls.t.execute(f"DELETE FROM {cls.name} WHERE id = 3")

    @classmethod
    def tearDownClass(cls) -> None:
        cls.k3.close()

    def test_pages_the_feed_with_typed_values(self) -> None:
        first = self.t.changes_page(self.name, from_version=1, page_size=2)
        self.assertIsInstance(first, ChangesPage)
        self.assertEqual(len(first), 2)
        self.assertIsNotNone(first.next_page_token)
        self.assertEqual((first.from_version, first.to_version), (1, 3))
        self.assertEqual([c.name for c in first.columns], ["id", "amount", "seen", "_change_type", "_commit_version", "_commit_timestamp"])
        rows = list(self.t.changes(self.name, from_version=1, page_size=2))
        self.assertEqual(
            [(r.id, r.amount, r._change_type, r._commit_version) for r in rows],
            [
                (2, 2, "insert", 1), (3, 3, "insert", 1), (9007199254740993, 1.5, "insert", 1),
                (2, 2, "update_preimage", 2), (2, 20.25, "update_postimage", 2),
                (3, 3, "delete", 3),
            ],
        )
        big = rows[2]
        self.assertIsInstance(big.id, int)
        self.assertEqual(str(big.amount), "1.50")  # DECIMAL → Decimal, exact
        self.assertEqual(big["seen"], dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.timezone.utc))
        self.assertIsInstance(big._commit_timestamp, dt.datetime)
        self.assertIsNotNone(big._commit_timestamp.tzinfo)

    def test_timestamp_bounds_and_errors(self) -> None:
        history = self.t.history(self.name, limit=1)
        at = dt.datetime.fromtimestamp(int(history[0]["timestamp"]) / 1000, tz=dt.timezone.utc)
        page = self.t.changes_page(self.name, from_version=3, to_timestamp=at.isoformat())
        self.assertEqual((page.from_version, page.to_version), (3, 3))
        self.assertEqual([r._change_type for r in page], ["delete"])
        with self.assertRaises(K3Error) as bad:
            self.t.changes_page(self.name)
        self.assertEqual(bad.exception.code, "ERR_BAD_REQUEST")
        with self.assertRaises(K3Error) as missing:
            self.t.changes_page(self.name, from_version=0, to_version=99)
        self.assertEqual(missing.exception.code, "ERR_DELTA_VERSION_NOT_FOUND")

    def test_diff_against_head_and_between_versions(self) -> None:
        d = self.t.diff(self.name, 1)
        self.assertIsInstance(d, DiffResult)
        self.assertEqual((d.from_version, d.to_version, d.key_columns), (1, 3, []))
        self.assertEqual((d.added, d.removed, d.changed, d.truncated), (1, 2, 0, False))
        self.assertEqual(sorted(r["change"] for r in d.rows), ["added", "removed", "removed"])
        between = self.t.diff(self.name, 1, to_version=2, limit=1)
        self.assertEqual((between.to_version, between.added, between.removed, between.truncated), (2, 1, 1, True))
        self.assertEqual(len(between.rows), 1)

    def test_async_client(self) -> None:
        async def main() -> list:
            async with AsyncClient(url=URL, token=TOKEN) as k3:
                t = k3.tables(BUCKET)
                diff = await t.diff(self.name, 2)
                rows = [r async for r in t.changes(self.name, from_version=3)]
                return [diff.removed, [r._change_type for r in rows]]

        self.assertEqual(asyncio.run(main()), [1, ["delete"]])


if __name__ == "__main__":
    unittest.main()
