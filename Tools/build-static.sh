#!/usr/bin/env bash
# Builds the `nninfer` that is shipped to cluster executors (Tools/spark_score.py, docs/SCALE.md):
# Swift's standard library and Foundation linked in (--static-swift-stdlib), symbols stripped.
# Then checks that it runs without any Swift installed:
#   - with an empty environment and LD_LIBRARY_PATH, it scores the shipped digits model;
#   - `ldd` lists only system libraries (libc, libm, libz, libstdc++, libgcc_s, ld-linux,
#     linux-vdso, and libpthread/libdl/librt where the C library still splits them off);
#   - with --chroot (root only): it runs inside an empty root that holds nothing but the binary,
#     the libraries `ldd` names and /proc, and prints the same bytes as outside.
#
#   Tools/build-static.sh [OUTPUT] [--chroot]      (OUTPUT defaults to .build-static/nninfer-static)
#
# The build takes about a minute on 2 cores (release, its own scratch path .build-static) and
# runs under `flock /tmp/nnz-build.lock` like every build on this machine; NNZ_BUILD_LOCK=FILE
# picks another lock file, NNZ_BUILD_LOCK= (empty) none (.ci/run: its other builds take none,
# and a caller already holding the lock would wait on itself). Exits non-zero, saying why,
# when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

out=".build-static/nninfer-static"
chroot_check=0
for arg in "$@"; do
    case "$arg" in
        --chroot) chroot_check=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) echo "build-static.sh: unknown option $arg (try --help)" >&2; exit 64 ;;
        *) out="$arg" ;;
    esac
done

fail() { echo "build-static.sh: FAIL: $*" >&2; exit 1; }

echo "== swift build -c release --product nninfer --static-swift-stdlib --scratch-path .build-static"
start=$(date +%s)
lock="${NNZ_BUILD_LOCK-/tmp/nnz-build.lock}"
if [ -n "$lock" ]; then
    flock "$lock" swift build -c release --product nninfer --static-swift-stdlib --scratch-path .build-static
else
    swift build -c release --product nninfer --static-swift-stdlib --scratch-path .build-static
fi
echo "   build took $(( $(date +%s) - start )) s"

built=".build-static/release/nninfer"
[ -x "$built" ] || fail "$built was not built"
mkdir -p "$(dirname "$out")"
cp "$built" "$out.tmp"
strip "$out.tmp"
mv "$out.tmp" "$out"
size=$(stat -c %s "$out")
echo "   $out: $size bytes ($(( (size + 524288) / 1048576 )) MiB) stripped"

model=Fixtures/trained/digits_mlp.nnz
input=Fixtures/data/digits_test.csv
expected="$(mktemp)"
trap 'rm -f "$expected"' EXIT

echo "== runs with an empty environment (LD_LIBRARY_PATH='')"
env -i LD_LIBRARY_PATH= "$out" "$model" "$input" --threads 1 > "$expected" \
    || fail "$out did not run with an empty environment"
rows=$(($(wc -l < "$expected") - 1))
[ "$rows" -eq 360 ] || fail "expected 360 scored rows of $input, got $rows"
echo "   scored $rows rows"

echo "== ldd shows only system libraries"
ldd_out=$(ldd "$out") || fail "ldd $out failed"
echo "$ldd_out" | sed 's/^/   /'
allowed='^(linux-vdso\.so|libc\.so|libm\.so|libz\.so|libstdc\+\+\.so|libgcc_s\.so|ld-linux[-a-z0-9_]*\.so|libpthread\.so|libdl\.so|librt\.so)'
while read -r lib _; do
    [ -z "$lib" ] && continue
    name=$(basename "$lib")
    if ! [[ "$name" =~ $allowed ]]; then
        fail "$out links $lib, which is not a system library (Swift runtime not static?)"
    fi
done <<< "$ldd_out"
if echo "$ldd_out" | grep -qi 'swift\|not found'; then
    fail "$out needs a Swift library or a missing one: $(echo "$ldd_out" | grep -i 'swift\|not found')"
fi
echo "   only system libraries"

if [ "$chroot_check" = 1 ]; then
    echo "== runs in an empty root (only the binary, its ldd libraries and /proc)"
    [ "$(id -u)" = 0 ] || fail "--chroot needs root (chroot and mount --bind /proc)"
    root="$(mktemp -d)"
    cleanup() { umount "$root/proc" 2>/dev/null || true; rm -rf "$root" "$expected"; }
    trap cleanup EXIT
    for lib in $(echo "$ldd_out" | grep -o '/[^ ]*'); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
    cp "$out" "$root/nninfer"
    cp "$model" "$root/model.nnz"
    cp "$input" "$root/input.csv"
    # Swift reads its command line from /proc/self/cmdline: every real system has /proc.
    mkdir -p "$root/proc"
    mount --bind /proc "$root/proc"
    chroot "$root" /nninfer /model.nnz /input.csv --threads 1 > "$root/out.csv" \
        || fail "$out did not run in the empty root $root"
    # The file names differ, the scores must not.
    cmp -s "$expected" "$root/out.csv" || fail "the empty root's output differs from the host's"
    echo "   $(find "$root" -path "$root/proc" -prune -o -type f -print | wc -l) files in the root; same output as on the host"
fi

echo "build-static.sh: OK $out ($size bytes)"
