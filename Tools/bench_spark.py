#!/usr/bin/env python3
"""Cluster scoring benchmark: one 1M-row CSV scored three ways in the same run.

    python3 Tools/bench_spark.py [--rows 1000000] [--rounds 3] [--nninfer PATH]
                                 [--nnzconvert PATH | --onnx PATH] [--model MODEL.nnz]
                                 [--master local[2]] [--work DIR]

  nnz Spark     Tools/spark_score.py MODEL INPUT OUT: the shipped static nninfer, one process
                per task, --threads 1, one output CSV (the same bytes as the plain run: checked)
  ORT UDF       Spark's CSV reader (explicit schema), mapInPandas with onnxruntime (session made
                once per Python worker and reused, 1 intra-op thread per task: Spark runs one task
                per core), written with DataFrame.write.csv (part files, not joined into one:
                less work than the nnz job does)
  plain nninfer nninfer MODEL INPUT --output OUT on the same machine, every core

Both Spark jobs run on --master (default local[2]); rounds interleave the three so drift of a
shared machine hits them alike; the table gives medians of wall time of the whole process
(Spark's start included: what a user waits for) and of the job alone (after the SparkContext is
up), rows/s, and the ratio to the ORT UDF. The ONNX model is `nnzconvert MODEL.nnz MODEL.onnx`
of the same model (--onnx to give one); its predicted labels are compared with nnz's.

Needs pyspark >= 4, pandas, pyarrow, onnxruntime (pip install pyspark pandas pyarrow
onnxruntime) and Java 17. Run it under the machine's build lock: flock /tmp/nnz-build.lock ...
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ort_job(argv):
    """The peer: python3 bench_spark.py --ort-job INPUT MODEL.onnx OUTDIR MASTER."""
    source, onnx_path, out, master = argv
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import onnx
    from pyspark.sql import SparkSession
    from pyspark.sql.types import FloatType, LongType, StringType, StructField, StructType

    props = {p.key: p.value for p in onnx.load(onnx_path, load_external_data=False).metadata_props}
    features = json.loads(props["feature_names"])
    labels = json.loads(props["class_labels"])
    spark = (SparkSession.builder.master(master).appName("ORT UDF")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("OFF")
    start = time.monotonic()
    spark.sparkContext.addFile(onnx_path)
    name = os.path.basename(onnx_path)
    with open(source, encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split(",")
    schema = StructType([StructField(c, FloatType() if c in features else
                                     LongType() if c == "id" else StringType()) for c in header])
    out_schema = StructType([StructField(l, FloatType()) for l in labels]
                            + [StructField("predicted", StringType())])

    def score(batches):
        import numpy as np
        import onnxruntime as ort
        import pandas as pd
        from pyspark import SparkFiles
        cache = globals()
        if "_nnz_bench_session" not in cache:     # once per Python worker (workers are reused)
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            cache["_nnz_bench_session"] = ort.InferenceSession(
                SparkFiles.get(name), options, providers=["CPUExecutionProvider"])
        session = cache["_nnz_bench_session"]
        input_name = session.get_inputs()[0].name
        names = np.array(labels)
        for frame in batches:
            probabilities = session.run(None, {input_name: frame[features].to_numpy(np.float32)})[0]
            result = pd.DataFrame(probabilities, columns=labels)
            result["predicted"] = names[probabilities.argmax(axis=1)]
            yield result

    (spark.read.csv(source, header=True, schema=schema).mapInPandas(score, out_schema)
     .write.mode("overwrite").csv(out, header=True))
    print(f"ort_job: job {time.monotonic() - start:.3f} s (after Spark's start)", file=sys.stderr)
    spark.stop()


def find(candidates):
    for c in candidates:
        path = c if os.path.isabs(c) else os.path.join(ROOT, c)
        if os.access(path, os.X_OK):
            return path
    return None


def timed(cmd, marker=None):
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, timeout=600)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"bench_spark: {' '.join(cmd[:3])}... failed ({proc.returncode}):\n"
                 + proc.stderr.decode(errors="replace")[-3000:])
    job = None
    if marker:
        for line in proc.stderr.decode(errors="replace").splitlines():
            if line.startswith(marker):
                job = float(line.split()[2])
    return wall, job


def predicted_column(lines, index):
    return [l.rsplit(",", 1)[1] if index is None else l.split(",")[index] for l in lines]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--ort-job":
        return ort_job(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default=os.path.join(ROOT, "Fixtures/trained/digits_mlp.nnz"))
    parser.add_argument("--nninfer")
    parser.add_argument("--nnzconvert")
    parser.add_argument("--onnx")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--work")
    args = parser.parse_args()

    nninfer = args.nninfer or find([".build-static/nninfer-static", ".build/release/nninfer"])
    if not nninfer:
        sys.exit("bench_spark: no nninfer (Tools/build-static.sh, or --nninfer PATH)")
    work = args.work or tempfile.mkdtemp(prefix="nnz-bench-spark-")
    os.makedirs(work, exist_ok=True)
    onnx_path = args.onnx
    if not onnx_path:
        nnzconvert = args.nnzconvert or find([".build/release/nnzconvert", ".build/debug/nnzconvert"])
        if not nnzconvert:
            sys.exit("bench_spark: no nnzconvert (swift build --product nnzconvert, or --nnzconvert / --onnx)")
        onnx_path = os.path.join(work, "model.onnx")
        subprocess.run([nnzconvert, args.model, onnx_path], check=True, capture_output=True)
    source = os.path.join(work, "rows.csv")
    if not os.path.exists(source) or sum(1 for _ in open(source, "rb")) != args.rows + 1:
        subprocess.run([sys.executable, os.path.join(ROOT, "Tools/repeat_rows.py"),
                        os.path.join(ROOT, "Fixtures/data/digits_test.csv"), str(args.rows), source],
                       check=True)
    size = os.path.getsize(source)

    out_plain = os.path.join(work, "plain.csv")
    out_spark = os.path.join(work, "spark.csv")
    out_ort = os.path.join(work, "ort")
    env_marker = "NNZ_SPARK_TIMING"
    os.environ[env_marker] = "1"
    runs = {"nnz Spark": [], "ORT UDF": [], "plain nninfer": []}
    for round_ in range(args.rounds):
        runs["nnz Spark"].append(timed(
            [sys.executable, os.path.join(ROOT, "Tools/spark_score.py"), args.model, source,
             out_spark, "--master", args.master, "--nninfer", nninfer], "spark_score: job"))
        runs["ORT UDF"].append(timed(
            [sys.executable, os.path.abspath(__file__), "--ort-job", source, onnx_path, out_ort,
             args.master], "ort_job: job"))
        runs["plain nninfer"].append(timed([nninfer, args.model, source, "--output", out_plain]))
        print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1][0]:.2f} s" for k, v in runs.items()),
              file=sys.stderr)

    same = open(out_spark, "rb").read() == open(out_plain, "rb").read()
    nnz_lines = open(out_plain, encoding="utf-8").read().splitlines()[1:]
    ort_lines = []
    for part in sorted(p for p in os.listdir(out_ort) if p.startswith("part-")):
        ort_lines += open(os.path.join(out_ort, part), encoding="utf-8").read().splitlines()[1:]
    agree = sum(a == b for a, b in zip(predicted_column(nnz_lines, None), predicted_column(ort_lines, None)))

    import pyspark
    versions = {"pyspark": pyspark.__version__}
    for module in ("onnxruntime", "pandas", "pyarrow"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    fields = dict(l.split(":", 1) for l in cpu.splitlines() if ":" in l)
    cpu_line = (f"{fields.get('Model name', '?').strip()}, family {fields.get('CPU family', '?').strip()} "
                f"model {fields.get('Model', '?').strip()}, {fields.get('CPU(s)', '?').strip()} CPUs")

    ort_wall = statistics.median(w for w, _ in runs["ORT UDF"])
    ort_job_time = statistics.median(j for _, j in runs["ORT UDF"])
    print(f"\n{args.rows:,} rows ({size / 1e6:.0f} MB CSV, {os.path.basename(args.model)}), "
          f"--master {args.master}, median of {args.rounds} rounds; {cpu_line}; "
          f"kernel {platform.release()}; " + ", ".join(f"{k} {v}" for k, v in versions.items())
          + f"; {java}\n")
    print("| runner | wall time (whole process) | rows/s | job alone (after Spark's start) | rows/s | vs ORT UDF (wall / job) |")
    print("|---|---|---|---|---|---|")
    for name, values in runs.items():
        wall = statistics.median(w for w, _ in values)
        jobs = [j for _, j in values if j is not None]
        job = statistics.median(jobs) if jobs else None
        ratio = f"{ort_wall / wall:.1f}× / " + (f"{ort_job_time / job:.1f}×" if job else "—")
        print(f"| {name} | {wall:.2f} s | {args.rows / wall / 1e3:,.0f} k | "
              + (f"{job:.2f} s | {args.rows / job / 1e3:,.0f} k" if job else "— | —")
              + f" | {ratio} |")
    print(f"\nnnz Spark output == plain nninfer output: {same}; ORT predicted label agrees with "
          f"nnz on {agree:,} of {len(nnz_lines):,} rows")
    print("rounds (wall s, job s): " + json.dumps({k: [[round(w, 2), j and round(j, 2)] for w, j in v]
                                                  for k, v in runs.items()}))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    if not same:
        sys.exit("bench_spark: the nnz Spark output differs from the plain run")


if __name__ == "__main__":
    main()
