#ifndef LIBFUZZER_API_H
#define LIBFUZZER_API_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's own mutator (defined by the -sanitize=fuzzer runtime): mutates `size` bytes at
/// `data` in place, using the dictionary, and returns the new size (at most `max_size`).
/// Custom mutators call it for the raw byte-level part of a mutation.
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

#endif
