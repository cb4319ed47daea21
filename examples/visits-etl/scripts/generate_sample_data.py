"""Writes data/visits/visits.csv: a small, deterministic visit log (visitor, page, UTC timestamp).

Run once and commit the output; re-running gives the same bytes (seeded generator, no clock).
  python3 scripts/generate_sample_data.py
"""

import csv
import datetime as dt
import os
import random

DAYS = [dt.date(2026, 3, 10) + dt.timedelta(days=i) for i in range(7)]  # 2026-03-10 .. 2026-03-16
PAGES = ["/", "/pricing", "/docs", "/docs/install", "/blog", "/signup"]
VISITORS = [f"v{n:03d}" for n in range(1, 41)]


def main() -> None:
    rng = random.Random(20260315)
    rows = []
    for day in DAYS:
        for _ in range(rng.randint(45, 75)):
            visitor = rng.choice(VISITORS[: rng.randint(15, 40)])
            page = rng.choices(PAGES, weights=[6, 2, 4, 2, 3, 1])[0]
            ts = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=rng.randrange(86400))
            rows.append((visitor, page, ts.strftime("%Y-%m-%dT%H:%M:%SZ")))
            # Repeat visits by the same visitor to the same page on the same day: what "distinct" removes.
            if rng.random() < 0.25:
                later = min(ts + dt.timedelta(minutes=rng.randint(1, 90)), dt.datetime.combine(day, dt.time(23, 59, 59)))
                rows.append((visitor, page, later.strftime("%Y-%m-%dT%H:%M:%SZ")))
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    out = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "visits", "visits.csv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["visitor_id", "page", "ts"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main()
