#include "probes/map_read.h"

#include <bpf/bpf.h>

#include <cerrno>

namespace se {

uint32_t ReadArray(int fd, uint32_t from, uint32_t count, size_t stride, uint32_t* keys,
                   uint8_t* values) {
  uint32_t done = 0, in = from - 1, out = 0;
  int err = 0;
  while (done < count && !err) {
    uint32_t n = count - done;
    // A batch starts after key `in` (the previous batch's last); the first one from key 0
    // takes none.
    err = bpf_map_lookup_batch(fd, done || from ? &in : nullptr, &out, keys + done,
                               values + done * stride, &n, nullptr);
    done += n;
    in = out;
  }
  if (done == count || err == -ENOENT) return done;
  for (uint32_t key = from + done; key < from + count; ++key) {  // no batches for this map
    if (bpf_map_lookup_elem(fd, &key, values + done * stride) != 0) continue;
    keys[done++] = key;
  }
  return done;
}

}  // namespace se
