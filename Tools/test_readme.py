#!/usr/bin/env python3
"""Runs the README's "From PyTorch" and "From scikit-learn" sections exactly as written.

    python3 Tools/test_readme.py             # both sections
    python3 Tools/test_readme.py sklearn     # one

Each section lies between `<!-- readme-test: NAME -->` and `<!-- readme-test: end -->` in
README.md. Its ```python block is saved under the file name its first line gives
(`# export_sklearn.py: …`) and run with this interpreter; its ```sh block runs with
`bash -eu -o pipefail`. Both run in a new temporary directory holding links to the checkout's
Fixtures/ and Examples/, with `nnzconvert` and `nninfer` on PATH (`$NNZCONVERT`, `$NNINFER`,
else `.build/debug/`). The sh block's `swift run … EmbedDemo` builds Examples/EmbedDemo.

When the python block cannot run because torch (or skl2onnx) is not installed, the section's
committed export (`Fixtures/onnx/readme/`, made by that very script) is copied in instead and the
rest runs as usual; `NNZ_REQUIRE_ONNX=1` makes a missing skl2onnx a failure (CI installs it;
torch is a 5.7 GB install, so CI runs the PyTorch steps from the committed export).

Then the results are checked against ONNX Runtime on the same files: every row's probabilities
(≤ 1e-5) and predicted class in the CSV that `nninfer` wrote, and the classes EmbedDemo printed.
Exit status 0 when every section passed.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def sections(text: str) -> dict:
    found = {}
    for match in re.finditer(r"<!-- readme-test: (\w+) -->(.*?)<!-- readme-test: end -->", text, re.S):
        blocks = re.findall(r"```(\w+)\n(.*?)```", match.group(2), re.S)
        found[match.group(1)] = blocks
    return found


def tool(name: str) -> str:
    path = os.environ.get(name.upper()) or os.path.join(ROOT, ".build", "debug", name)
    if not os.path.exists(path):
        sys.exit(f"test_readme.py: {path} not found; build first (swift build)")
    return os.path.abspath(path)


def have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def read_csv(path: str) -> tuple:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def ort_outputs(model: str, x: np.ndarray) -> list:
    import onnxruntime as ort
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x.astype(np.float32)})


def check_embed_demo(model: str, out: str) -> list:
    """Every `ROW -> LABEL` line EmbedDemo printed names ONNX Runtime's class for that row."""
    lines = [line for line in out.splitlines() if " -> " in line]
    if not lines:
        return [f"EmbedDemo printed no prediction: {out!r}"]
    problems = []
    for line in lines:
        row, rest = line.split(" -> ", 1)
        outputs = ort_outputs(model, np.array([[float(v) for v in row.split(",")]]))
        label = outputs[0][0] if outputs[0].dtype.kind in "OUSi" else int(np.argmax(outputs[0][0]))
        if rest.split()[0] != str(label):
            problems.append(f"EmbedDemo: {line!r}, ONNX Runtime says {label}")
    return problems


def check_pytorch(work: str, out: str) -> list:
    problems = []
    data = np.loadtxt(os.path.join(work, "Fixtures/data/digits_test.csv"), delimiter=",", skiprows=1, dtype=np.float32)
    (probabilities,) = ort_outputs(os.path.join(work, "digits_cnn.onnx"), data[:, :64])
    header, rows = read_csv(os.path.join(work, "scores.csv"))
    if header != ["label", "label_1", "score_1"]:
        problems.append(f"scores.csv header {header}")
    if len(rows) != len(data):
        problems.append(f"scores.csv has {len(rows)} rows, expected {len(data)}")
    for i, row in enumerate(rows):
        best = int(np.argmax(probabilities[i]))
        if row[0] != str(int(data[i, 64])) or row[1] != str(best) or abs(float(row[2]) - probabilities[i, best]) > 1e-5:
            problems.append(f"scores.csv row {i + 1}: {row}, ONNX Runtime: class {best} p={probabilities[i, best]}")
            break
    accuracy = float(np.mean([r[0] == r[1] for r in rows]))
    print(f"  pytorch: {len(rows)} rows agree with ONNX Runtime; test accuracy {accuracy:.3f}")
    problems += check_embed_demo(os.path.join(work, "digits_cnn.onnx"), out)
    return problems


def check_sklearn(work: str, out: str) -> list:
    problems = []
    x = np.loadtxt(os.path.join(work, "iris.csv"), delimiter=",", skiprows=1, dtype=np.float32)
    labels, probabilities = ort_outputs(os.path.join(work, "iris.onnx"), x)[:2]
    classes = sorted(probabilities[0].keys()) if isinstance(probabilities, list) else None
    header, rows = read_csv(os.path.join(work, "probabilities.csv"))
    if header[-1] != "predicted" or (classes and header[:-1] != classes):
        problems.append(f"probabilities.csv header {header}")
    for i, row in enumerate(rows):
        expected = [probabilities[i][c] for c in header[:-1]] if isinstance(probabilities, list) else list(probabilities[i])
        if row[-1] != str(labels[i]) or max(abs(float(a) - b) for a, b in zip(row[:-1], expected)) > 1e-5:
            problems.append(f"probabilities.csv row {i + 1}: {row}, ONNX Runtime: {labels[i]} {expected}")
            break
    if len(rows) != len(x):
        problems.append(f"probabilities.csv has {len(rows)} rows, expected {len(x)}")
    problems += check_embed_demo(os.path.join(work, "iris.onnx"), out)
    print(f"  sklearn: {len(rows)} rows agree with ONNX Runtime")
    return problems


FALLBACK = {"pytorch": ("torch", ["digits_cnn.onnx", "digits_cnn.onnx.data"]), "sklearn": ("skl2onnx", [])}
CHECKS = {"pytorch": check_pytorch, "sklearn": check_sklearn}


def run_section(name: str, blocks: list, env: dict) -> list:
    work = tempfile.mkdtemp(prefix=f"nnz-readme-{name}-")
    for link in ("Fixtures", "Examples"):
        os.symlink(os.path.join(ROOT, link), os.path.join(work, link))
    output = ""
    try:
        for language, code in blocks:
            if language == "python":
                file_name = code.split("\n", 1)[0].lstrip("# ").split(":")[0]
                with open(os.path.join(work, file_name), "w") as f:
                    f.write(code)
                module, committed = FALLBACK[name]
                if have(module):
                    run = subprocess.run([sys.executable, file_name], cwd=work, env=env, capture_output=True, text=True)
                    if run.returncode != 0:
                        return [f"{file_name} failed:\n{run.stdout}{run.stderr}"]
                elif committed:
                    print(f"  {name}: {module} is not installed; using the committed export in Fixtures/onnx/readme/")
                    for f in committed:
                        shutil.copy(os.path.join(ROOT, "Fixtures/onnx/readme", f), work)
                elif os.environ.get("NNZ_REQUIRE_ONNX"):
                    return [f"{module} is not installed (pip install scikit-learn skl2onnx)"]
                else:
                    print(f"  {name}: skipped ({module} is not installed)")
                    return []
            elif language == "sh":
                run = subprocess.run(["bash", "-eu", "-o", "pipefail", "-c", code], cwd=work, env=env,
                                     capture_output=True, text=True)
                output += run.stdout
                if run.returncode != 0:
                    return [f"the sh block failed ({run.returncode}):\n{code}\n{run.stdout}{run.stderr}"]
        return CHECKS[name](work, output)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    with open(os.path.join(ROOT, "README.md")) as f:
        found = sections(f.read())
    wanted = sys.argv[1:] or list(CHECKS)
    missing = [n for n in wanted if n not in found]
    if missing:
        print(f"README.md has no readme-test section {missing}")
        return 1
    if not (have("onnxruntime") and have("onnx")):
        if os.environ.get("NNZ_REQUIRE_ONNX"):
            print("onnx and onnxruntime are required (pip install onnx onnxruntime)")
            return 1
        print("skipped: onnx/onnxruntime are not installed")
        return 0
    bin_dir = tempfile.mkdtemp(prefix="nnz-readme-bin-")
    for name in ("nnzconvert", "nninfer"):
        os.symlink(tool(name), os.path.join(bin_dir, name))
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    failed = 0
    for name in wanted:
        problems = run_section(name, found[name], env)
        for p in problems:
            print(f"FAIL {name}: {p}")
        failed += bool(problems)
        if not problems:
            print(f"ok {name}")
    shutil.rmtree(bin_dir, ignore_errors=True)
    print(f"{len(wanted) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
