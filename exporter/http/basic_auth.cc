#include "http/basic_auth.h"

#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <utility>

namespace se {
namespace {

constexpr size_t kCacheEntries = 64;  // a few scrapers and browsers; bounded against floods

// crypt_rn's result for password against setting, or "" when it fails.
std::string Crypt(const std::string& password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();  // value-initialised: zeroed, as crypt_rn wants
  const char* out = crypt_rn(password.c_str(), setting.c_str(), data.get(), sizeof(*data));
  if (out == nullptr || out[0] == '*') return "";  // "*0"/"*1": libxcrypt's failure tokens
  return out;
}

// A bcrypt setting (prefix, cost, random salt) like `like`: crypt_rn against it costs what
// checking a real user's password costs.
std::string DummySetting(const std::string& like) {
  const bool bcrypt = like.size() >= 7 && like.compare(0, 2, "$2") == 0 &&
                      std::isdigit(static_cast<unsigned char>(like[4])) &&
                      std::isdigit(static_cast<unsigned char>(like[5]));
  const std::string prefix = bcrypt ? like.substr(0, 4) : "$2b$";
  const unsigned long cost = bcrypt ? std::stoul(like.substr(4, 2)) : 10;
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix.c_str(), cost, nullptr, 0, setting, sizeof(setting)) == nullptr) {
    return like;  // a real user's hash costs the same; the password will not be accepted
  }
  return setting;
}

bool SameString(const std::string& a, const std::string& b) {
  return a.size() == b.size() && gnutls_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {
  if (!users_.empty()) dummy_hash_ = DummySetting(users_.begin()->second);
}

bool BasicAuth::Enabled() const { return !users_.empty(); }

bool BasicAuth::Verify(const std::string& user, const std::string& password) const {
  if (users_.empty()) return false;
  const auto it = users_.find(user);
  // crypt takes C strings: a password with a NUL could only match a truncated one.
  const bool usable = it != users_.end() && password.find('\0') == std::string::npos;
  const std::string& hash = usable ? it->second : dummy_hash_;

  const std::string material = user + '\0' + password + '\0' + hash;
  Digest key{};
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, material.data(), material.size(), key.data()) != 0) {
    return false;
  }
  if (usable && Cached(key)) return true;

  std::string computed;
  {
    std::lock_guard<std::mutex> lock(bcrypt_mutex_);
    computed = Crypt(password, hash);
  }
  if (!usable || computed.empty() || !SameString(computed, hash)) return false;
  Remember(key);
  return true;
}

bool BasicAuth::Cached(const Digest& key) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  bool found = false;
  for (const Digest& d : cache_) {
    found = (gnutls_memcmp(d.data(), key.data(), d.size()) == 0) || found;
  }
  return found;
}

void BasicAuth::Remember(const Digest& key) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  for (const Digest& d : cache_) {
    if (d == key) return;
  }
  if (cache_.size() < kCacheEntries) {
    cache_.push_back(key);
  } else {
    cache_[cache_next_] = key;
    cache_next_ = (cache_next_ + 1) % kCacheEntries;
  }
}

}  // namespace se
