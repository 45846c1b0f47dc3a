#!/usr/bin/env python3
"""Write a big CSV for benchmarks: the rows of SOURCE repeated to N rows, with an `id` column.

    python3 Tools/repeat_rows.py Fixtures/data/digits_test.csv 1000000 /tmp/rows_1m.csv

The `id` column (first) is the row number, so `nninfer MODEL OUT --keep id` has something to
pass through; models that match columns by name ignore it otherwise.
"""
import sys


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    source, count, target = argv[1], int(argv[2]), argv[3]
    with open(source, encoding="utf-8") as f:
        header, *rows = [line.rstrip("\r\n") for line in f if line.strip()]
    if not rows:
        sys.exit(f"{source}: no data rows")
    with open(target, "w", encoding="utf-8", newline="\n") as out:
        out.write("id," + header + "\n")
        for i in range(count):
            out.write(f"{i},{rows[i % len(rows)]}\n")


if __name__ == "__main__":
    main(sys.argv)
