#!/bin/sh
# Builds Tests/KernelsC/int8_test.c against the kernel sources with clang -O2 and runs it:
# every int8 code path this CPU supports, bit for bit against a scalar reference.
#   Tools/test_int8_kernels.sh          # tests (exit status 1 on a mismatch)
#   Tools/test_int8_kernels.sh bench    # int8 vs fp32 timings, single thread (prints only)
# CC=... overrides the compiler (default clang); EXTRA_CFLAGS adds flags (e.g. -fsanitize=address).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/nnz_int8_test.$$
trap 'rm -f "$out"' EXIT
${CC:-clang} -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-missing-field-initializers ${EXTRA_CFLAGS:-} \
    -I"$root/Sources/NNZKernels/include" -I"$root/Sources/NNZKernels" \
    "$root"/Sources/NNZKernels/*.c "$root/Tests/KernelsC/int8_test.c" -lm -lpthread -o "$out"
"$out" "$@"
