#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace se {

// HTTP basic authentication against bcrypt hashes (the web config's basic_auth_users).
// Thread-safe. Successful checks are remembered in a small cache, so a client that scrapes
// every second pays for bcrypt once, not on every request.
class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);  // user -> bcrypt hash

  // False when no users are configured: every request is let through.
  bool Enabled() const;

  // True when password matches the user's hash. Unknown users cost one bcrypt computation
  // too, so the time taken does not tell which user names exist.
  bool Verify(const std::string& user, const std::string& password) const;

 private:
  using Digest = std::array<uint8_t, 32>;  // SHA-256

  bool Cached(const Digest& key) const;
  void Remember(const Digest& key) const;

  std::map<std::string, std::string> users_;
  std::string dummy_hash_;           // a bcrypt setting of the same cost, for unknown users
  mutable std::mutex bcrypt_mutex_;  // one bcrypt at a time: it is CPU-bound by design
  mutable std::mutex cache_mutex_;
  mutable std::vector<Digest> cache_;  // ring of successful (user, password, hash) digests
  mutable size_t cache_next_ = 0;
};

}  // namespace se
