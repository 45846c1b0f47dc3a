#ifndef NNZ_FUZZ_SUPPORT_H
#define NNZ_FUZZ_SUPPORT_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's own mutator (defined by the -sanitize=fuzzer runtime): mutates `size` bytes at
/// `data` in place, using the dictionary, and returns the new size (at most `max_size`).
/// Custom mutators call it for the raw byte-level part of a mutation.
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/// Continues a CRC-32 (ISO-HDLC, docs/FORMAT.md §1) over `count` bytes: start with
/// 0xFFFFFFFF and xor the result with 0xFFFFFFFF. In C because the mutator re-frames every
/// mutated file and a debug Swift loop under ASan made that a fifth of the fuzzing time.
uint32_t nnz_fuzz_crc32_update(uint32_t crc, const uint8_t *data, size_t count);

#endif
