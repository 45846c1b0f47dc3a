#!/usr/bin/env python3
"""Cluster scoring, end to end: Tools/spark_score.py on Spark local[2] and the GNU parallel
recipe of docs/SCALE.md against one plain nninfer run, byte for byte, and their errors.

    python3 Tools/test_spark.py [--nninfer PATH]

Needs pyspark >= 4 (and Java 17) and GNU parallel; without them the test says what is missing
and exits 0, unless NNZ_REQUIRE_SPARK=1 (CI), where a missing piece is a failure. The nninfer
used (and shipped to the Spark tasks) is --nninfer, else .build-static/nninfer-static
(Tools/build-static.sh), else .build/release/nninfer, else .build/debug/nninfer.

Checks, on a 200k-row CSV made from Fixtures/data/digits_test.csv (Tools/repeat_rows.py) and
the shipped digits MLP (Fixtures/trained/digits_mlp.nnz):
  1. spark_score.py over 5 partitions (--keep id) == `nninfer MODEL INPUT --keep id`, with
     --input direct (tasks read their byte ranges) and --input text (Spark's text input);
  2. the GNU parallel --pipe --keep-order recipe == the same plain run;
  3. one bad cell in the fourth partition, both input modes: exit 65 and the driver's error is nninfer's own
     message for the whole file (same file, line 150001, column 4), and that line of the
     file is the one holding the bad cell;
  4. a directory of three files, bad cells in two, --skip-bad-rows: the output equals one
     plain run over the files joined, each skipped row reported with its own file and line;
  5. a directory whose second file has another header (--input text): exit 65 naming that
     file and column.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "Fixtures/trained/digits_mlp.nnz")
SOURCE = os.path.join(ROOT, "Fixtures/data/digits_test.csv")
ROWS = 200_000
TIMEOUT = 240
failures = []


def find_nninfer(argv):
    if "--nninfer" in argv:
        return os.path.abspath(argv[argv.index("--nninfer") + 1])
    for candidate in (".build-static/nninfer-static", ".build/release/nninfer", ".build/debug/nninfer"):
        path = os.path.join(ROOT, candidate)
        if os.access(path, os.X_OK):
            return path
    return None


def missing(what):
    if os.environ.get("NNZ_REQUIRE_SPARK") == "1":
        sys.exit(f"test_spark: FAIL: {what} (NNZ_REQUIRE_SPARK=1)")
    print(f"test_spark: skipped: {what}")
    sys.exit(0)


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


def run(cmd, **kw):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, **kw)
    return proc, time.monotonic() - start


def spark(nninfer, *args):
    return run([sys.executable, os.path.join(ROOT, "Tools/spark_score.py"), MODEL, *args,
                "--master", "local[2]", "--nninfer", nninfer])


def last_line(data):
    lines = [l for l in data.decode("utf-8", "replace").splitlines() if l.strip()]
    return lines[-1] if lines else ""


def set_cell(lines, line_number, column, value):
    """lines: the file's lines (0-based list); line_number, column: 1-based."""
    fields = lines[line_number - 1].split(",")
    fields[column - 1] = value
    lines[line_number - 1] = ",".join(fields)


def main():
    nninfer = find_nninfer(sys.argv)
    if nninfer is None:
        missing("no nninfer built (Tools/build-static.sh or swift build)")
    try:
        import pyspark
    except ImportError:
        missing("pyspark is not installed (python3 -m pip install pyspark)")
    if int(pyspark.__version__.split(".")[0]) < 4:
        missing(f"pyspark {pyspark.__version__} is older than 4")
    if shutil.which("java") is None:
        missing("no java (Spark needs Java 17)")
    if shutil.which("parallel") is None:
        missing("GNU parallel is not installed (apt-get install parallel)")
    print(f"test_spark: nninfer {nninfer}, pyspark {pyspark.__version__}")

    work = tempfile.mkdtemp(prefix="nnz-spark-test-")
    try:
        big = os.path.join(work, "rows.csv")
        subprocess.run([sys.executable, os.path.join(ROOT, "Tools/repeat_rows.py"), SOURCE,
                        str(ROWS), big], check=True)
        plain, seconds = run([nninfer, MODEL, big, "--keep", "id"])
        assert plain.returncode == 0, plain.stderr
        print(f"     plain nninfer: {ROWS} rows in {seconds:.2f} s")

        # 1. Spark local[2], five partitions (so four of them get the header prepended), in
        #    both input modes: tasks reading their byte ranges, and Spark's text input.
        for mode in ("direct", "text"):
            out = os.path.join(work, f"spark-{mode}.csv")
            proc, seconds = spark(nninfer, big, out, "--partitions", "5", "--keep", "id", "--input", mode)
            same = proc.returncode == 0 and open(out, "rb").read() == plain.stdout
            check(f"spark_score --input {mode}, local[2], 5 partitions, {ROWS} rows == one nninfer run "
                  f"({seconds:.1f} s)", same, f"exit {proc.returncode}: {last_line(proc.stderr)}")
            check(f"--input {mode}: the output has the header once", proc.returncode == 0
                  and open(out, "rb").read().count(b"id,0,1,2,3,4,5,6,7,8,9,predicted\n") == 1)

        # 2. GNU parallel, the docs/SCALE.md recipe: the header once, then the blocks.
        recipe = (f"{{ head -n 1 {big} | {nninfer} {MODEL} - --keep id; "
                  f"parallel --pipe --keep-order --header : -j 2 --block 1M "
                  f"'{nninfer} {MODEL} - --threads 1 --keep id | tail -n +2' < {big}; }}")
        proc, seconds = run(["bash", "-c", "set -o pipefail; " + recipe])
        check(f"GNU parallel --pipe --keep-order == one nninfer run ({seconds:.1f} s)",
              proc.returncode == 0 and proc.stdout == plain.stdout,
              f"exit {proc.returncode}, {len(proc.stdout)} bytes vs {len(plain.stdout)}")

        # 3. One bad cell in the fourth of five partitions.
        lines = open(big, encoding="utf-8").read().split("\n")
        bad_lines = list(lines)
        set_cell(bad_lines, 150_001, 4, "1.5.2")
        bad = os.path.join(work, "bad.csv")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("\n".join(bad_lines))
        reference = run([nninfer, MODEL, bad])[0]
        expected = f'nninfer: {bad}:150001:4: found "1.5.2", expected a number'
        check("plain nninfer names line 150001, column 4", last_line(reference.stderr) == expected,
              last_line(reference.stderr))
        for mode in ("direct", "text"):
            out = os.path.join(work, "bad-out.csv")
            proc, seconds = spark(nninfer, bad, out, "--partitions", "5", "--input", mode)
            message = last_line(proc.stderr)
            check(f"--input {mode}: a bad row fails the Spark job with exit 65", proc.returncode == 65,
                  f"exit {proc.returncode}")
            check(f"--input {mode}: the driver's error is nninfer's message with the original file, "
                  "line, column", message == expected, f"got {message!r}, expected {expected!r}")
            check(f"--input {mode}: no OUTPUT and no part files after a failed job",
                  not os.path.exists(out) and not os.path.exists(out + ".parts"))
        line = open(bad, encoding="utf-8").read().split("\n")[150_000]
        check("that line of the file holds the bad cell", line.split(",")[3] == "1.5.2", line[:40])

        # 4. A directory of three files; --skip-bad-rows with bad cells in two of them.
        folder = os.path.join(work, "parts")
        os.mkdir(folder)
        header, body = lines[0], [l for l in lines[1:] if l]
        pieces = {"a.csv": body[:30_000], "b.csv": body[30_000:130_000], "c.csv": body[130_000:]}
        set_cell(pieces["b.csv"], 80_000, 10, "x")     # b.csv line 80001
        set_cell(pieces["c.csv"], 5, 2, "")            # c.csv line 6
        set_cell(pieces["c.csv"], 69_999, 65, "nan?")  # c.csv line 70000
        for name, rows in pieces.items():
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                f.write(header + "\n" + "\n".join(rows) + "\n")
        with open(os.path.join(folder, "_SUCCESS"), "w"):
            pass                                       # Hadoop's marker files are not input
        joined = os.path.join(work, "joined.csv")
        with open(joined, "w", encoding="utf-8") as f:
            f.write(header + "\n" + "\n".join(pieces["a.csv"] + pieces["b.csv"] + pieces["c.csv"]) + "\n")
        reference = run([nninfer, MODEL, joined, "--skip-bad-rows", "--keep", "id"])[0]
        out = os.path.join(work, "dir-out.csv")
        proc, seconds = spark(nninfer, folder, out, "--partitions", "4", "--skip-bad-rows", "--keep", "id")
        check(f"a directory of 3 files, --skip-bad-rows == one run over the files joined ({seconds:.1f} s)",
              proc.returncode == 0 and open(out, "rb").read() == reference.stdout,
              f"exit {proc.returncode}: {last_line(proc.stderr)}")
        reports = [l for l in proc.stderr.decode().splitlines() if l.startswith("nninfer:")]
        plain_reports = [l for l in reference.stderr.decode().splitlines() if l.startswith("nninfer:")]
        # The same rows in the joined file are at lines 110001, 130006 and 200000.
        places = [(110_001, "b.csv", 80_001), (130_006, "c.csv", 6), (200_000, "c.csv", 70_000)]
        check("the plain run over the joined file skips those 3 rows",
              len(plain_reports) == 4 and all(f"{joined}:{j}:" in r for (j, _, _), r in zip(places, plain_reports))
              and plain_reports[3] == "nninfer: skipped 3 bad rows", plain_reports)
        wanted = [r.replace(f"{joined}:{j}:", f"{folder}/{name}:{l}:")
                  for (j, name, l), r in zip(places, plain_reports)] + plain_reports[3:]
        check("each skipped row reported with its own file and line, then the total",
              reports == wanted, reports)

        # 5. Another header in the second file.
        with open(os.path.join(folder, "b.csv"), "r+", encoding="utf-8") as f:
            text = f.read().replace("p0,p1,p2", "p0,p1,P2", 1)
            f.seek(0)
            f.write(text)
        proc, _ = spark(nninfer, folder, os.path.join(work, "x.csv"), "--skip-bad-rows", "--input", "text")
        wanted = (f"spark_score: {folder}/b.csv:1:4: header differs from the first file's: "
                  f"column 4 is 'P2', expected 'p2' (every file of a directory needs the first file's header)")
        check("a file with another header: exit 65 naming the file and column",
              proc.returncode == 65 and last_line(proc.stderr) == wanted,
              f"exit {proc.returncode}: {last_line(proc.stderr)!r}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if failures:
        sys.exit(f"test_spark: {len(failures)} check(s) failed: {', '.join(failures)}")
    print("test_spark: all checks passed")


if __name__ == "__main__":
    main()
