#!/usr/bin/env python3
"""Score a CSV file, or a directory of CSV files, with an .nnz model on Apache Spark.

    python3 Tools/spark_score.py MODEL INPUT OUTPUT [--master local[2]] [--partitions N]
                                 [--nninfer PATH] [--log-level LEVEL] [nninfer options...]

Ships one static `nninfer` (Tools/build-static.sh) and MODEL to every executor with
SparkContext.addFile and pipes each partition of INPUT through `nninfer MODEL - ...` on the
executor, one process per task; a task reads its byte range of a local file itself, or its
lines from Spark's text input for any Hadoop path (hdfs://, s3a://...: see --input). OUTPUT is one CSV file (or - for standard output) with the
header once: the same bytes as `nninfer MODEL INPUT [nninfer options...]` prints on one machine.

  MODEL            the .nnz model (a local file on the driver; shipped to executors)
  INPUT            a CSV file, or a directory: every file in it not starting with `.` or `_`
                   (Hadoop's rule), in name order, each with the same header as the first
  OUTPUT           the result, written on the driver (- for standard output)
  --master M       Spark master URL (default: local[2], or $SPARK_MASTER if set)
  --partitions N   Spark partitions (tasks) over the whole input (default: the master's default
                   parallelism, i.e. its cores); a directory's files share them by size
  --nninfer PATH   the nninfer binary to ship (default: .build-static/nninfer-static, else the
                   release or debug build in .build); it must run on the executors' OS, so
                   ship the static one (Tools/build-static.sh) to machines without Swift
  --log-level L    Spark's log level (default: OFF: the driver reports every failure itself,
                   nninfer's with the original place, any other with Spark's error; WARN to debug)
  --input MODE     how tasks read INPUT: `direct` (each task reads its byte range of the file
                   itself, in 1 MiB blocks: the path must be visible on every executor, as
                   file:// paths must be for Spark anyway), `text` (Spark's text input, line by
                   line through Python: any Hadoop path, about 10x slower), or `auto` (default:
                   direct for a local path or file://, text for hdfs://, s3a://, ...)
  --keep-parts     keep Spark's part files (OUTPUT.parts/) instead of deleting them

nninfer options (passed to every task): --format csv|tsv|jsonl, --top-k K, --batch-size N,
--threads N, --keep COLUMN (repeatable), --header/--no-header, --precision N,
--delimiter D, --skip-bad-rows. --output is not one: OUTPUT is. --threads defaults to 1 per
task: Spark already runs one task per core, so more threads only oversubscribe the cores.

How rows keep their meaning across partitions: the first line of the first file decides whether
there is a header (nninfer's own rule, asked of the shipped nninfer on the driver: a first row
that is not all numbers, or --header/--no-header). With a header, every partition that does not
begin the first file gets that header line prepended, so columns are matched by name exactly as
in a single run; every other file's first line must be the same header (else the job stops with
exit 65 naming the file and the first differing column) and is dropped. Each task's output
header is dropped but for the first partition's, and the part files are concatenated in
partition order, so OUTPUT keeps the input's row order.

Errors: a bad row fails the job; the driver prints nninfer's message with the ORIGINAL file and
line (nninfer on a task sees only its slice on standard input, so the driver counts the lines of
the partitions before it and translates `<stdin>:L:C`), and exits with nninfer's exit code (65
bad data, 66 missing input, 64 usage). With --skip-bad-rows each skipped row is reported the same
way, with the total. OUTPUT is written only when the job succeeds. If several tasks fail, the one
Spark reports first is shown (with one task per core that is not always the earliest row).

Limits: Spark's text input splits files at every line break, so a quoted field that holds a
line break is not supported (nninfer alone supports it); lines are passed on as bytes.

Examples:
  Tools/build-static.sh
  python3 Tools/spark_score.py Fixtures/trained/digits_mlp.nnz big.csv scores.csv --precision 6
  python3 Tools/spark_score.py model.nnz hdfs:///data/rows/ scores.csv --master yarn \\
      --partitions 200 --keep id
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = "NNZ_SPARK_FAILURE "
VALUE_OPTIONS = {"--format", "--top-k", "--batch-size", "--threads", "--keep", "--precision",
                 "--delimiter"}
FLAG_OPTIONS = {"--header", "--no-header", "--skip-bad-rows"}
STDIN_PLACE = re.compile(rb"<stdin>:(\d+)(?=[:\s])")
BOM = b"\xef\xbb\xbf"


class Usage(Exception):
    pass


def parse_args(argv):
    """Splits argv into positionals, this script's options and nninfer's options."""
    own = {"master": os.environ.get("SPARK_MASTER", "local[2]"), "partitions": None,
           "nninfer": None, "log_level": "OFF", "keep_parts": False,
           "input": "auto"}
    own_values = {"--master": "master", "--partitions": "partitions", "--nninfer": "nninfer",
                  "--log-level": "log_level", "--input": "input"}
    positional, passed = [], []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if arg in ("-h", "--help"):
            print(__doc__)
            sys.exit(0)
        if name in own_values or name in VALUE_OPTIONS:
            if eq:
                value = inline
            else:
                i += 1
                if i >= len(argv):
                    raise Usage(f"{name} needs a value")
                value = argv[i]
            if name in own_values:
                own[own_values[name]] = value
            else:
                passed += [name, value]
        elif arg == "--keep-parts":
            own["keep_parts"] = True
        elif arg in FLAG_OPTIONS:
            passed.append(arg)
        elif name in ("-o", "--output"):
            raise Usage("--output is not an option here: OUTPUT (the third argument) is the result file")
        elif arg.startswith("-") and arg != "-":
            raise Usage(f"unknown option {arg} (neither spark_score's nor one of nninfer's; see --help)")
        else:
            positional.append(arg)
        i += 1
    if len(positional) != 3:
        raise Usage(f"expected MODEL INPUT OUTPUT, got {len(positional)} argument(s)")
    if own["input"] not in ("auto", "direct", "text"):
        raise Usage(f"--input is auto, direct or text, got {own['input']!r}")
    if own["partitions"] is not None:
        try:
            own["partitions"] = int(own["partitions"])
        except ValueError:
            raise Usage(f"--partitions must be a whole number, got {own['partitions']!r}")
        if own["partitions"] < 1:
            raise Usage("--partitions must be at least 1")
    return positional, own, passed


def default_nninfer():
    for candidate in (".build-static/nninfer-static", ".build-static/release/nninfer",
                      ".build/release/nninfer", ".build/debug/nninfer"):
        path = os.path.join(ROOT, candidate)
        if os.access(path, os.X_OK):
            return path
    raise Usage("no nninfer found: build it (Tools/build-static.sh) or pass --nninfer PATH")


def translate(text, name, first_line):
    """nninfer's `<stdin>:L` places in text, as `name:(first_line + L)`; other `<stdin>` as name."""
    out = STDIN_PLACE.sub(lambda m: f"{name}:{first_line + int(m.group(1))}".encode(), text)
    return out.replace(b"<stdin>", name.encode())


# ---------------------------------------------------------------------------------------------
# The executor side: one nninfer process per partition.

class PartitionScorer:
    """Called by mapPartitionsWithIndex on the executors; holds only plain, picklable data."""

    def __init__(self, layout, header, binary_name, model_name, args, drop_output_header, counts,
                 direct):
        self.direct = direct            # a directory (str): each partition is a byte range read
        self.parts = direct             # from the file, its output written to a file in it
        self.layout = layout            # partition -> (file index, file name, index in file)
        self.header = header            # the first file's header line (bytes, no BOM) or None
        self.binary_name = binary_name
        self.model_name = model_name
        self.args = args
        self.drop_output_header = drop_output_header
        self.counts = counts            # accumulator: {partition: [lines, pre, skip, stderr, lines before]}

    def fail(self, info):
        raise RuntimeError(
            f"spark_score task for partition {info['partition']}: {info.get('summary', '')}\n"
            + MARKER + json.dumps(info))

    def __call__(self, partition, items):
        from pyspark import SparkFiles
        file_index, file_name, local = self.layout[partition]
        if self.direct:
            # items: one (path, start, end) byte range of a file this task reads itself.
            path, start, end = next(items)
            first, blocks, lines_before = read_range(path, start, end)
        else:
            # items: the partition's lines from Spark's text input (no line ends).
            first = next(items, None)
            first = None if first is None else first + b"\n"
            blocks = joined_lines(items)
            lines_before = None
        first_partition = partition == 0
        pre = skip = 0
        if first is None:
            if self.direct:
                open(os.path.join(self.parts, f"part-{partition:05d}"), "wb").close()
            self.counts.add({partition: [0, 0, 0, "", None]})
            return
        pending = [first]
        if self.header is not None and not first_partition:
            if local == 0:
                # Another file's first line: the same header as the first file's, then dropped.
                mine = first.rstrip(b"\r\n")
                mine = mine[3:] if mine.startswith(BOM) else mine
                if mine != self.header:
                    self.fail({"partition": partition, "kind": "header", "file": file_name,
                               "summary": header_difference(file_name, mine, self.header)})
                pending = []
                skip = 1
            pre = 1
        binary = SparkFiles.get(self.binary_name)
        if not os.access(binary, os.X_OK):
            os.chmod(binary, 0o755)
        # direct: nninfer writes this partition's part file itself (its output header included;
        # the driver leaves it out when it joins the parts); text: through Spark's text output.
        part = open(os.path.join(self.parts, f"part-{partition:05d}"), "wb") if self.direct else None
        proc = subprocess.Popen([binary, SparkFiles.get(self.model_name), "-", *self.args],
                                stdin=subprocess.PIPE, stdout=part or subprocess.PIPE,
                                stderr=subprocess.PIPE, bufsize=0)
        if part:
            part.close()
        fed = [0]
        errors = []

        def feed():
            try:
                if pre:
                    proc.stdin.write(self.header + b"\n")
                count = len(pending) + skip
                for block in pending:
                    proc.stdin.write(block)
                for block, lines in blocks:
                    proc.stdin.write(block)
                    count += lines
                fed[0] = count
            except BrokenPipeError:
                pass            # nninfer stopped early (a bad row): its exit code says why
            except Exception as error:   # reading the partition failed
                errors.append(error)
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass

        stderr_chunks = []
        writer = threading.Thread(target=feed, daemon=True)
        reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)
        writer.start()
        reader.start()
        carry = b""
        drop = self.drop_output_header and not first_partition
        fd = proc.stdout.fileno() if not self.direct else None
        while fd is not None:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            data = carry + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1:]
            body = data[:cut]
            if drop:
                newline = body.find(b"\n")
                drop = False
                if newline < 0:
                    continue     # this chunk was just the output header
                body = body[newline + 1:]
            yield body           # saveAsTextFile adds the final newline back
        if carry:
            yield carry          # (nninfer always ends with a newline; kept for safety)
        code = proc.wait()
        writer.join()
        reader.join()
        if errors:
            raise errors[0]
        stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
        before = lines_before() if lines_before is not None and (code != 0 or stderr) else None
        if code != 0:
            summary = stderr.strip()
            if before is not None:
                summary = translate(stderr.encode(), file_name, before - pre + skip).decode().strip()
            self.fail({"partition": partition, "kind": "nninfer", "file": file_name,
                       "file_index": file_index, "local": local, "pre": pre, "skip": skip,
                       "code": code, "stderr": stderr, "before": before,
                       "summary": f"nninfer exited {code} on a slice of {file_name}: " + summary})
        self.counts.add({partition: [fed[0], pre, skip, stderr, before]})


def joined_lines(lines, batch=2048):
    """Spark's lines as (bytes, line count) blocks, each line ended by a newline."""
    chunk = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= batch:
            yield b"\n".join(chunk) + b"\n", len(chunk)
            chunk = []
    if chunk:
        yield b"\n".join(chunk) + b"\n", len(chunk)


def read_range(path, start, end):
    """The lines that begin in bytes [start, end) of path, read straight from the file.

    Returns (first line with its line end or None, an iterator of (block, 0) that follow it,
    a function counting the lines before the first one). A line belongs to the range its first
    byte is in, so consecutive ranges cover every line once, like Hadoop's line splits.
    """
    f = open(path, "rb")
    if start > 0:
        f.seek(start - 1)
        f.readline()            # through the end of the line that byte start-1 is in
    pos = f.tell()
    first = f.readline() if pos < end else b""
    if not first:
        f.close()
        return None, iter(()), lambda: 0

    def blocks():
        with f:
            at = f.tell()
            last = first
            while at < end:
                block = f.read(min(1 << 20, end - at))
                if not block:
                    return
                at += len(block)
                last = block
                yield block, 0
            if not last.endswith(b"\n"):
                tail = f.readline()       # the line that began before end
                if tail:
                    yield tail, 0

    def lines_before():
        count, seen = 0, 0
        with open(path, "rb") as g:
            while seen < pos:
                block = g.read(min(1 << 22, pos - seen))
                if not block:
                    break
                seen += len(block)
                count += block.count(b"\n")
        return count

    return first, blocks(), lines_before


def header_difference(name, mine, first):
    a, b = mine.split(b","), first.split(b",")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return (f"{name}:1:{i + 1}: header differs from the first file's: column {i + 1} is "
                    f"{x.decode('utf-8', 'replace')!r}, expected {y.decode('utf-8', 'replace')!r} "
                    f"(every file of a directory needs the first file's header)")
    return (f"{name}:1: header differs from the first file's: {len(a)} columns, expected {len(b)} "
            f"(every file of a directory needs the first file's header)")


# ---------------------------------------------------------------------------------------------
# The driver side.

def list_inputs(sc, path):
    """(name, size) of INPUT, or of the files in the directory INPUT, in name order."""
    jvm = sc._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(sc._jsc.hadoopConfiguration())
    if not fs.exists(hpath):
        raise Failure(f"{path}: no such file or directory", 66)
    status = fs.getFileStatus(hpath)
    if not status.isDirectory():
        return [(path, status.getLen())]
    files = []
    for child in fs.listStatus(hpath):
        name = child.getPath().getName()
        if child.isFile() and not name.startswith((".", "_")):
            files.append((os.path.join(path, name) if "://" not in path else child.getPath().toString(),
                          child.getLen()))
    files.sort()
    if not files:
        raise Failure(f"{path}: a directory with no input files", 66)
    return files


class Failure(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def probe_header(binary, model, first_line, args, name, output_format):
    """Asks nninfer whether first_line is a header: it prints no row for a header."""
    proc = subprocess.run([binary, model, "-", *args], input=first_line + b"\n",
                          capture_output=True)
    if proc.returncode != 0:
        raise Failure(translate(proc.stderr, name, 0).decode("utf-8", "replace").strip(),
                      proc.returncode)
    rows = proc.stdout.count(b"\n") - (0 if output_format == "jsonl" else 1)
    return rows == 0 and not proc.stderr


def is_local(path):
    """A path every executor reads as a file (no scheme, or file://)."""
    return "://" not in path or path.startswith("file://")


def count_lines_before(sc, rdd, local):
    """Lines in the partitions of one file's RDD before partition `local` (only on errors)."""
    if local == 0:
        return 0
    counts = sc.runJob(rdd, lambda it: [sum(1 for _ in it)], partitions=list(range(local)))
    return sum(counts)


def run(argv):
    (model, input_path, output), own, passed = parse_args(argv)
    binary = own["nninfer"] or default_nninfer()
    if not os.path.isfile(model):
        raise Failure(f"{model}: no such file", 66)
    if not os.access(binary, os.X_OK):
        raise Failure(f"{binary}: not an executable (see Tools/build-static.sh)", 66)
    if "--threads" not in passed:
        passed = passed + ["--threads", "1"]
    output_format = "csv"
    for i, arg in enumerate(passed[:-1]):
        if arg == "--format":
            output_format = passed[i + 1]

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark import SparkConf, SparkContext
    from pyspark.accumulators import AccumulatorParam

    class DictMerge(AccumulatorParam):
        def zero(self, value):
            return {}

        def addInPlace(self, a, b):
            a.update(b)
            return a

    conf = (SparkConf().setMaster(own["master"]).setAppName("nnz spark_score")
            .set("spark.ui.showConsoleProgress", "false").set("spark.ui.enabled", "false"))
    sc = SparkContext.getOrCreate(conf)
    sc.setLogLevel(own["log_level"])
    job_start = time.monotonic()
    try:
        files = list_inputs(sc, input_path)
        if "--delimiter" not in passed and files[0][0].endswith(".tsv"):
            passed = passed + ["--delimiter", "\t"]   # what nninfer does for a .tsv file name
        total = sum(size for _, size in files) or 1
        wanted = own["partitions"] or sc.defaultParallelism
        direct = own["input"] == "direct" or (own["input"] == "auto" and is_local(input_path))
        rdds, layout, ranges = [], [], []
        for index, (name, size) in enumerate(files):
            share = max(1, round(wanted * size / total))
            if direct:
                # Byte ranges that each task reads itself (every executor sees the path).
                path = os.path.abspath(name[len("file://"):] if name.startswith("file://") else name)
                bounds = [size * k // share for k in range(share + 1)]
                ranges += [(path, bounds[k], bounds[k + 1]) for k in range(share)]
                layout += [(index, name, local) for local in range(share)]
            else:
                rdd = sc.textFile(name, minPartitions=share, use_unicode=False)
                rdds.append(rdd)
                layout += [(index, name, local) for local in range(rdd.getNumPartitions())]

        first_name = files[0][0]
        if direct:
            with open(ranges[0][0], "rb") as f:
                line = f.readline()
            first = [line.rstrip(b"\r\n")] if line else []
        else:
            first = rdds[0].take(1)
        if not first:
            raise Failure(f"{first_name}: empty input, expected a header line or rows", 65)
        first_line = first[0][3:] if first[0].startswith(BOM) else first[0]
        header_args = [a for a in passed if a not in ("--header", "--no-header")]
        has_header = probe_header(binary, model, first[0], passed, first_name, output_format)
        task_args = header_args + (["--header"] if has_header else ["--no-header"])

        target = os.path.abspath(output if output != "-" else "spark_score-stdout")
        parts = target + ".parts"
        if os.path.exists(parts):
            shutil.rmtree(parts)
        if direct:
            os.makedirs(parts)
        sc.addFile(os.path.abspath(binary))
        sc.addFile(os.path.abspath(model))
        counts = sc.accumulator({}, DictMerge())
        scorer = PartitionScorer(layout, first_line if has_header else None,
                                 os.path.basename(binary), os.path.basename(model), task_args,
                                 output_format != "jsonl", counts, direct and parts)
        source = sc.parallelize(ranges, len(ranges)) if direct else sc.union(rdds)
        scored = source.mapPartitionsWithIndex(scorer, preservesPartitioning=True)

        try:
            if direct:
                scored.count()
            else:
                scored.saveAsTextFile("file://" + parts)
        except Exception as error:     # py4j's error carries the task's Python traceback
            shutil.rmtree(parts, ignore_errors=True)
            raise task_failure(sc, rdds, str(error))
        report_skipped(counts.value, layout, sc, rdds)
        part_files = sorted((p for p in os.listdir(parts) if p.startswith("part-")),
                            key=lambda p: int(p.split("-")[1]))
        if len(part_files) != len(layout):
            raise Failure(f"{parts}: {len(part_files)} part files, expected {len(layout)}", 74)
        sink = sys.stdout.buffer if output == "-" else open(target + ".tmp", "wb")
        try:
            for index, part in enumerate(part_files):
                with open(os.path.join(parts, part), "rb") as f:
                    if direct and index > 0 and output_format != "jsonl":
                        f.readline()          # this task's output header
                    shutil.copyfileobj(f, sink, 1 << 20)
            sink.flush()
        finally:
            if output != "-":
                sink.close()
        if output != "-":
            os.replace(target + ".tmp", target)
        if not own["keep_parts"]:
            shutil.rmtree(parts)
        if os.environ.get("NNZ_SPARK_TIMING") == "1":   # Tools/bench_spark.py reads this line
            print(f"spark_score: job {time.monotonic() - job_start:.3f} s (after Spark's start)",
                  file=sys.stderr)
    finally:
        sc.stop()


def task_failure(sc, rdds, text):
    found = re.search(MARKER + r"(\{.*\})", text)
    if not found:
        return Failure("the Spark job failed:\n" + text, 70)
    info = json.loads(found.group(1))
    if info["kind"] == "header":
        return Failure("spark_score: " + info["summary"], 65)
    before = info["before"]
    if before is None:
        before = count_lines_before(sc, rdds[info["file_index"]], info["local"])
    message = translate(info["stderr"].encode(), info["file"],
                        before - info["pre"] + info["skip"])
    return Failure(message.decode("utf-8", "replace").strip(), info["code"])


def report_skipped(counts, layout, sc, rdds):
    """With --skip-bad-rows: nninfer's per-row reports with the original places, and the total."""
    skipped = 0
    before = {}
    for partition in sorted(counts):
        lines, pre, skip, stderr, known = counts[partition]
        file_index, name, local = layout[partition]
        start = before.get(file_index, 0) if known is None else known
        before[file_index] = start + lines
        for line in stderr.splitlines():
            total = re.match(r"nninfer: skipped (\d+) bad rows?$", line)
            if total:
                skipped += int(total.group(1))
            elif line.strip():
                print(translate(line.encode(), name, start - pre + skip).decode("utf-8", "replace"),
                      file=sys.stderr)
    if skipped:
        print(f"nninfer: skipped {skipped} bad row{'' if skipped == 1 else 's'}", file=sys.stderr)


def main():
    try:
        run(sys.argv[1:])
    except Usage as error:
        print(f"spark_score: {error}\n(usage: spark_score.py MODEL INPUT OUTPUT [options]; --help)",
              file=sys.stderr)
        sys.exit(64)
    except Failure as error:
        message = str(error)
        print(message if message.startswith(("nninfer:", "spark_score:")) else "spark_score: " + message,
              file=sys.stderr)
        sys.exit(error.code)


if __name__ == "__main__":
    main()
