#!/usr/bin/env bash
# Builds the libFuzzer targets (debug, fuzzer + address sanitizer) and runs each for
# FUZZ_SECONDS (default 60) from the committed seed corpus; exits non-zero on any crash,
# sanitizer report, leak, timeout or out-of-memory. .ci/run calls it; see README.md "Fuzz".
#
#   Fuzz/run.sh                      # both targets, 60 s each
#   FUZZ_SECONDS=3600 Fuzz/run.sh FuzzCSV
#   FUZZ_CORPUS_DIR=~/nnz-corpus Fuzz/run.sh   # keep the grown corpus between runs
#
# The corpus is copied to a temporary directory (or FUZZ_CORPUS_DIR), so a run never writes
# into the repository. Crash inputs go to FUZZ_ARTIFACTS (default: a temporary directory that is
# kept and printed when something was found).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(FuzzReader FuzzONNX FuzzCSV)

echo "== building fuzz targets (debug, -sanitize=fuzzer,address)"
swift build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
bin="$(swift build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --show-bin-path)"

work="$(mktemp -d "${TMPDIR:-/tmp}/nnz-fuzz.XXXXXX")"
artifacts="${FUZZ_ARTIFACTS:-$work/artifacts}"
mkdir -p "$artifacts"
keep=0
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

status=0
for target in "${targets[@]}"; do
    case "$target" in
        FuzzReader) dict=dictionaries/nnz.dict; seeds=(corpus/reader ../Fixtures/models ../Fixtures/hostile ../Fixtures/trained) ;;
        FuzzONNX)   dict=dictionaries/onnx.dict; seeds=(../Fixtures/onnx ../Fixtures/onnx/refuse) ;;
        FuzzCSV)    dict=dictionaries/csv.dict; seeds=(corpus/csv) ;;
        *) echo "unknown fuzz target $target (FuzzReader, FuzzONNX, FuzzCSV)" >&2; exit 64 ;;
    esac
    corpus="${FUZZ_CORPUS_DIR:-$work}/$target"
    mkdir -p "$corpus"
    for dir in "${seeds[@]}"; do
        find "$dir" -maxdepth 1 -type f ! -name '*.md' ! -name '*.tsv' ! -name '*.csv' -exec cp {} "$corpus/" \;
    done
    log="$work/$target.log"
    echo "== $target: ${seconds} s from $(ls "$corpus" | wc -l) seed files"
    start=$(date +%s)
    # SWIFT_BACKTRACE=enable=no: otherwise a crash can leave Swift's backtracer hanging.
    if SWIFT_BACKTRACE=enable=no "$bin/$target" "$corpus" -dict="$dict" -max_total_time="$seconds" \
        -rss_limit_mb=2048 -timeout=30 -artifact_prefix="$artifacts/$target-" -print_final_stats=1 \
        >"$log" 2>&1; then
        grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
        grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
        echo "   $target: no failure in $(( $(date +%s) - start )) s"
    else
        status=1
        keep=1
        echo "!! $target FAILED; last lines of its log ($log):"
        tail -n 60 "$log"
        echo "!! crash input(s) in $artifacts:"
        ls -l "$artifacts"
        echo "!! reproduce: (cd Fuzz && SWIFT_BACKTRACE=enable=no $bin/$target <input>)"
    fi
done
exit $status
