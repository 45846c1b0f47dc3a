#include "FuzzSupport.h"

static uint32_t table[256];
static int table_ready;

uint32_t nnz_fuzz_crc32_update(uint32_t crc, const uint8_t *data, size_t count) {
    if (!table_ready) {
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        table_ready = 1;   // the fuzzer runs one thread
    }
    for (size_t i = 0; i < count; i++) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}
