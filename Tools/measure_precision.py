#!/usr/bin/env python3
"""File size and test accuracy of the digits MLP and CNN in float32, float16 and int8.

Trains each example with `nntrain example NAME` (seeded, so every run gives the same float32
model), converts it with `nnzconvert MODEL OUT --weights float16|int8` (batch-norm folded, int8
scales per output channel, the self-test recomputed), checks each file with `nninfer verify`,
scores Fixtures/data/digits_test.csv with `nninfer` and prints a Markdown table: bytes, the ratio
to the float32 file, test accuracy and its difference to float32 in points (issue 10's targets:
int8 <= 0.30x and float16 <= 0.55x of the float32 size, accuracy within 0.5 points).

    python3 Tools/measure_precision.py                    # release binaries in .build/release
    python3 Tools/measure_precision.py --bin .build/debug --examples digits
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEST_CSV = os.path.join(ROOT, "Fixtures", "data", "digits_test.csv")


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


def accuracy(nninfer, model):
    """Share of digits_test.csv rows whose `predicted` label is the `label` column."""
    out = run([nninfer, model, TEST_CSV]).splitlines()
    with open(TEST_CSV, newline="") as f:
        labels = [row["label"] for row in csv.DictReader(f)]
    predicted = [row["predicted"] for row in csv.DictReader(out)]
    if len(predicted) != len(labels):
        sys.exit(f"{model}: {len(predicted)} predictions for {len(labels)} rows")
    return sum(p == l for p, l in zip(predicted, labels)) / len(labels)


def tensor_chunk_bytes(nninfer, model):
    """Bytes of the file's TNSR chunks as stored (compressed), from `nninfer inspect --json`:
    the weights' share of the file, without the metadata, normalization and self-test that
    every precision stores alike."""
    info = json.loads(run([nninfer, "inspect", model, "--json"]))
    return sum(c["stored_bytes"] for c in info["sections"] if c["type"] == "TNSR")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"),
                    help="folder holding nntrain, nnzconvert and nninfer (default .build/release)")
    ap.add_argument("--examples", nargs="*", default=["digits", "digits-cnn"])
    ap.add_argument("--workdir", help="keep the models here (default: a temporary folder)")
    args = ap.parse_args()
    tool = {name: os.path.join(args.bin, name) for name in ("nntrain", "nnzconvert", "nninfer")}
    work = args.workdir or tempfile.mkdtemp(prefix="nnz-precision-")
    os.makedirs(work, exist_ok=True)
    print("| model | weights | file bytes | vs float32 | tensor chunks | vs float32 | test accuracy | vs float32 (points) |")
    print("|---|---|---|---|---|---|---|---|")
    for example in args.examples:
        base = os.path.join(work, f"{example}.nnz")
        run([tool["nntrain"], "example", example, "--output", base, "--quiet", "--data-dir", os.path.join(ROOT, "Fixtures", "data")])
        size32, acc32 = os.path.getsize(base), accuracy(tool["nninfer"], base)
        tensors32 = tensor_chunk_bytes(tool["nninfer"], base)
        print(f"| {example} | float32 | {size32:,} | 1.000 | {tensors32:,} | 1.000 | {acc32 * 100:.2f} % | |")
        for weights in ("float16", "int8"):
            out = os.path.join(work, f"{example}-{weights}.nnz")
            run([tool["nnzconvert"], base, out, "--weights", weights])
            run([tool["nninfer"], "verify", out])
            size, acc = os.path.getsize(out), accuracy(tool["nninfer"], out)
            tensors = tensor_chunk_bytes(tool["nninfer"], out)
            print(f"| {example} | {weights} | {size:,} | {size / size32:.3f} | {tensors:,} | {tensors / tensors32:.3f} "
                  f"| {acc * 100:.2f} % | {(acc - acc32) * 100:+.2f} |")


if __name__ == "__main__":
    main()
