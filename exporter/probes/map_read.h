#pragma once

#include <cstddef>
#include <cstdint>

namespace se {

// Entries [from, from + count) of an array map, each value `stride` bytes in values (a per-CPU
// map's value is one 8-byte-aligned copy per CPU), in one bpf_map_lookup_batch call where the
// kernel hands them out at once, element by element where batches fail. keys receives each
// value's key; returns how many were read.
uint32_t ReadArray(int fd, uint32_t from, uint32_t count, size_t stride, uint32_t* keys,
                   uint8_t* values);

}  // namespace se
