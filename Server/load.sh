#!/usr/bin/env bash
# Load test of nnzserve with wrk on loopback, side by side with two FastAPI + uvicorn + onnxruntime
# servers of the same model (Server/bench/ort_server.py: fastapi-ort, tuned with orjson and no
# validation; fastapi-plain, FastAPI's tutorial style with a pydantic body), in one run.
#
#   Server/load.sh                 # the table: c = 1, 16, 64 × 1-row and 64-row requests, both servers
#   Server/load.sh --soak          # also 60 s at c=64 with a reload every 5 s: non-2xx count, RSS start/end
#   Server/load.sh --quick         # nnzserve alone, 2 s per case, fails on any non-2xx (CI)
#
# Options: --duration S (per wrk run, default 4), --repeats N (median of N, default 3),
#          --no-python (nnzserve only), --soak-seconds S (default 60).
# Environment: NNZSERVE (default Server/.build/release/nnzserve), MODEL (default the digits MLP,
#   Fixtures/trained/digits_mlp.nnz), ONNX (its ONNX, default made with $NNZCONVERT, else the main
#   package's .build/release or .build/debug nnzconvert, else `nnzconvert` on PATH),
#   PORT_NNZ (18080), PORT_ORT (18081), PORT_PLAIN (18082), WORKERS (uvicorn workers, default one per core).
# Needs wrk (apt-get install wrk); the Python server needs fastapi, uvicorn, uvloop, httptools,
# orjson, onnxruntime (pip install). Every wrk run is bounded (--duration, and `timeout`).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
NNZSERVE=${NNZSERVE:-$HERE/.build/release/nnzserve}
MODEL=${MODEL:-$ROOT/Fixtures/trained/digits_mlp.nnz}
PORT_NNZ=${PORT_NNZ:-18080}
PORT_ORT=${PORT_ORT:-18081}
PORT_PLAIN=${PORT_PLAIN:-18082}
WORKERS=${WORKERS:-$(nproc)}
DURATION=4
REPEATS=3
PYTHON=1
SOAK=0
SOAK_SECONDS=60
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift ;;
    --repeats) REPEATS=$2; shift ;;
    --no-python) PYTHON=0 ;;
    --soak) SOAK=1 ;;
    --soak-seconds) SOAK_SECONDS=$2; shift ;;
    --quick) QUICK=1; PYTHON=0; DURATION=2; REPEATS=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "load.sh: unknown option $1" >&2; exit 64 ;;
  esac
  shift
done
command -v wrk >/dev/null || { echo "load.sh: wrk not found (apt-get install wrk)" >&2; exit 69; }
[ -x "$NNZSERVE" ] || { echo "load.sh: $NNZSERVE not built (cd Server && swift build -c release)" >&2; exit 69; }

WORK=$(mktemp -d /tmp/nnzserve-load.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Request bodies: the first 1 and 64 rows of the digits test set.
python3 - "$ROOT/Fixtures/data/digits_test.csv" "$WORK" <<'EOF'
import csv, json, sys
rows = [[float(v) for v in r[:64]] for r in list(csv.reader(open(sys.argv[1])))[1:65]]
for n in (1, 64):
    with open(f"{sys.argv[2]}/rows{n}.json", "w") as f:
        json.dump({"rows": rows[:n]}, f)
EOF

wait_up() {  # url, seconds
  for _ in $(seq 1 $(($2 * 10))); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "load.sh: $1 did not come up" >&2
  return 1
}

"$NNZSERVE" --model "digits=$MODEL" --port "$PORT_NNZ" --log-level warning >"$WORK/nnzserve.log" 2>&1 &
NNZ_PID=$!
PIDS+=("$NNZ_PID")
wait_up "http://127.0.0.1:$PORT_NNZ/healthz" 20
# Not some other server already on the port: ours must still run.
kill -0 "$NNZ_PID" 2>/dev/null || { echo "load.sh: nnzserve exited: $(cat "$WORK/nnzserve.log")" >&2; exit 1; }

if [ "$PYTHON" = 1 ]; then
  if [ -z "${ONNX:-}" ]; then
    ONNX=$WORK/model.onnx
    if [ -z "${NNZCONVERT:-}" ]; then
      # The main package's build, else one on PATH.
      for candidate in "$ROOT/.build/release/nnzconvert" "$ROOT/.build/debug/nnzconvert" nnzconvert; do
        if command -v "$candidate" >/dev/null 2>&1; then NNZCONVERT=$candidate; break; fi
      done
    fi
    "${NNZCONVERT:?load.sh: nnzconvert not found (swift build in the main package, or set NNZCONVERT)}" "$MODEL" "$ONNX" >/dev/null
  fi
  LABELS=$(curl -s "http://127.0.0.1:$PORT_NNZ/v1/models/digits" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(",".join(m["class_labels"] or [str(i) for i in range(m["output_width"])]))')
  ORT_MODEL=$ONNX ORT_LABELS=$LABELS python3 -m uvicorn ort_server:app --app-dir "$HERE/bench" --host 127.0.0.1 \
    --port "$PORT_ORT" --workers "$WORKERS" --loop uvloop --http httptools --log-level warning --no-access-log \
    >"$WORK/ort.log" 2>&1 &
  PIDS+=("$!")
  # The same model the way FastAPI's tutorial writes it (pydantic body, returned dict).
  ORT_MODEL=$ONNX ORT_LABELS=$LABELS python3 -m uvicorn ort_server:plain_app --app-dir "$HERE/bench" --host 127.0.0.1 \
    --port "$PORT_PLAIN" --workers "$WORKERS" --loop uvloop --http httptools --log-level warning --no-access-log \
    >"$WORK/plain.log" 2>&1 &
  PIDS+=("$!")
  wait_up "http://127.0.0.1:$PORT_ORT/healthz" 60
  wait_up "http://127.0.0.1:$PORT_PLAIN/healthz" 60
fi

run_wrk() {  # port connections rows seconds → RESULT line
  local threads=$(($2 < 2 ? 1 : 2))
  BODY=$WORK/rows$3.json timeout $(($4 + 20)) wrk -t "$threads" -c "$2" -d "${4}s" --timeout 5s \
    -s "$HERE/bench/post.lua" "http://127.0.0.1:$1/v1/models/digits/predict" | grep '^RESULT'
}

# Both servers answer the same rows alike (nnzserve's answer checked against ORT's, 1e-5).
if [ "$PYTHON" = 1 ]; then
  curl -s -H 'Content-Type: application/json' --data-binary @"$WORK/rows64.json" "http://127.0.0.1:$PORT_NNZ/v1/models/digits/predict" >"$WORK/a.json"
  curl -s -H 'Content-Type: application/json' --data-binary @"$WORK/rows64.json" "http://127.0.0.1:$PORT_ORT/v1/models/digits/predict" >"$WORK/b.json"
  curl -s -H 'Content-Type: application/json' --data-binary @"$WORK/rows64.json" "http://127.0.0.1:$PORT_PLAIN/v1/models/digits/predict" >"$WORK/c.json"
  python3 - "$WORK/a.json" "$WORK/b.json" "$WORK/c.json" <<'EOF'
import json, sys
a, *peers = (json.load(open(p))["predictions"] for p in sys.argv[1:4])
for b in peers:
    assert len(a) == len(b) == 64
    worst = max(abs(x["probabilities"][k] - y["probabilities"][k]) for x, y in zip(a, b) for k in x["probabilities"])
    assert worst < 1e-5 and [x["predicted"] for x in a] == [y["predicted"] for y in b], worst
    print(f"answers agree: 64 rows, max difference {worst:.2g}")
EOF
fi

echo "warm-up"
run_wrk "$PORT_NNZ" 16 1 1 >/dev/null
if [ "$PYTHON" = 1 ]; then
  run_wrk "$PORT_ORT" 16 1 1 >/dev/null
  run_wrk "$PORT_PLAIN" 16 1 1 >/dev/null
fi

: >"$WORK/results"
for c in 1 16 64; do
  for rows in 1 64; do
    for r in $(seq 1 "$REPEATS"); do
      echo "nnzserve c=$c rows=$rows $(run_wrk "$PORT_NNZ" "$c" "$rows" "$DURATION")" | tee -a "$WORK/results"
      if [ "$PYTHON" = 1 ]; then
        echo "fastapi-ort c=$c rows=$rows $(run_wrk "$PORT_ORT" "$c" "$rows" "$DURATION")" | tee -a "$WORK/results"
        echo "fastapi-plain c=$c rows=$rows $(run_wrk "$PORT_PLAIN" "$c" "$rows" "$DURATION")" | tee -a "$WORK/results"
      fi
    done
  done
done

python3 - "$WORK/results" "$QUICK" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    words = line.split()
    server, c, rows = words[0], int(words[1][2:]), int(words[2][5:])
    f = dict(w.split("=") for w in words[4:])
    runs.setdefault((c, rows, server), []).append({k: float(v) for k, v in f.items()})
print()
print("| concurrency | rows/request | server | requests/s | rows/s | p50 ms | p99 ms | non-2xx |")
print("|---:|---:|---|---:|---:|---:|---:|---:|")
bad = 0
summary = {}
for (c, rows, server), rs in sorted(runs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] != "nnzserve")):
    rps = statistics.median(r["requests"] / r["seconds"] for r in rs)
    p50 = statistics.median(r["p50_ms"] for r in rs)
    p99 = statistics.median(r["p99_ms"] for r in rs)
    errors = sum(int(r["non2xx"] + r["socket_errors"]) for r in rs)
    bad += errors
    summary[(c, rows, server)] = (rps, p99)
    print(f"| {c} | {rows} | {server} | {rps:,.0f} | {rps * rows:,.0f} | {p50:.2f} | {p99:.2f} | {errors} |")
for peer in ("fastapi-ort", "fastapi-plain"):
    if not any(k[2] == peer for k in summary):
        continue
    print()
    for (c, rows, server), (rps, p99) in sorted(summary.items()):
        if server != "nnzserve" or (c, rows, peer) not in summary:
            continue
        orps, op99 = summary[(c, rows, peer)]
        print(f"c={c} rows={rows}: nnzserve {rps / orps:.1f}x {peer}'s requests/s, p99 {p99 / op99:.2f}x")
print(f"medians of {len(next(iter(runs.values())))} runs each")
if sys.argv[2] == "1" and bad:
    sys.exit(f"load.sh: {bad} non-2xx or socket errors")
EOF

if [ "$SOAK" = 1 ]; then
  rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$NNZ_PID/status"; }
  echo "soak: ${SOAK_SECONDS} s at c=64 (1-row requests), POST …/reload every 5 s; RSS at start $(rss)"
  BODY=$WORK/rows1.json timeout $((SOAK_SECONDS + 30)) wrk -t 2 -c 64 -d "${SOAK_SECONDS}s" --timeout 5s \
    -s "$HERE/bench/post.lua" "http://127.0.0.1:$PORT_NNZ/v1/models/digits/predict" >"$WORK/soak" &
  WRK_PID=$!
  reloads=0
  reload_failures=0
  for _ in $(seq 1 $((SOAK_SECONDS / 5))); do
    sleep 5
    kill -0 "$WRK_PID" 2>/dev/null || break
    if curl -sf -X POST "http://127.0.0.1:$PORT_NNZ/v1/models/digits/reload" >/dev/null; then
      reloads=$((reloads + 1))
    else
      reload_failures=$((reload_failures + 1))
    fi
  done
  wait "$WRK_PID"
  line=$(grep '^RESULT' "$WORK/soak")
  echo "soak: $line; reloads ok $reloads, failed $reload_failures; RSS at end $(rss)"
  case "$line" in
    *" non2xx=0 socket_errors=0 "*) ;;
    *) echo "load.sh: the soak had errors" >&2; exit 1 ;;
  esac
fi
