#include "http/gzip.h"

#include <zlib.h>

#include <limits>

namespace se {

std::optional<std::string> Gzip(std::string_view data, int level) {
  if (data.size() > std::numeric_limits<uInt>::max() / 2) return std::nullopt;
  z_stream z{};
  // 15 + 16: the largest window, with a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  // The exposition shrinks about tenfold: start there and grow, rather than zero-fill the bound.
  std::string out;
  size_t written = 0;
  int rc = Z_OK;
  while (rc == Z_OK || rc == Z_BUF_ERROR) {
    out.resize(written == 0 ? data.size() / 8 + 64 : 2 * out.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    z.avail_out = static_cast<uInt>(out.size() - written);
    rc = deflate(&z, Z_FINISH);
    written = out.size() - z.avail_out;
    if (rc == Z_BUF_ERROR && z.avail_out != 0) break;  // no progress possible: a zlib fault
  }
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace se
