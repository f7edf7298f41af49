#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config_file.h"
#include "logging/log.h"
#include "net/unique_fd.h"

namespace se {

// One suspicious observation: a port scan or a connection breaking the policy.
struct Finding {
  std::string rule;  // "port_scan", "denied_source", "denied_destination", "unexpected_egress",
                     // "unexpected_listener"
  std::string source_address;  // "" if not applicable
  uint16_t source_port = 0;
  std::string destination_address;
  uint16_t destination_port = 0;
  std::string process;  // "" if unknown
  uint64_t count = 1;   // e.g. distinct ports of a scan, connections of a finding
  std::vector<std::pair<std::string, std::string>> extra;  // e.g. scan_type, netns
};

// The inside of a JSON string: quotes, backslashes and control characters escaped, and each
// byte of invalid UTF-8 replaced by \ufffd, so any input yields valid JSON (pure).
std::string JsonEscape(const std::string& text);

// RFC 3339 UTC with milliseconds, e.g. "2026-11-29T10:00:00.123Z" (pure).
std::string Rfc3339Millis(std::chrono::system_clock::time_point time);

// The process log fields of a finding, in a fixed order; suppressed only when > 0 (pure).
log::Fields FindingFields(const Finding& finding, uint64_t suppressed);

// One events-file line without the newline: a JSON object with time, rule, src, src_port,
// dst, dst_port, process, count, suppressed (only when > 0), then the extras (pure).
std::string FindingJson(const Finding& finding, uint64_t suppressed,
                        std::chrono::system_clock::time_point time);

// A finding as the log wrote it, for the live view.
struct LoggedFinding {
  Finding finding;
  std::chrono::system_clock::time_point time;
  uint64_t suppressed = 0;  // lines of its key suppressed just before it
};

// Writes findings to the process log (warn level) and optionally to an events file, with a
// token bucket per (rule, source address) so one noisy source cannot flood either. The keys
// remembered are bounded by max_keys (least recently used forgotten first), so memory is
// O(max_keys). Thread-safe.
class FindingLog {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  // events_file "" = log lines only; otherwise each finding is also appended to the file as
  // one JSON line (O_APPEND, created with mode 0600). The path must name a regular file, not a
  // symlink, that group and others cannot write. On failure returns null and a one-line
  // *error naming the path and the cause. wall_clock stamps the file lines (default: now).
  static std::unique_ptr<FindingLog> Open(const EventLogConfig& config,
                                          const std::string& events_file, std::string* error,
                                          WallClock wall_clock = nullptr);
  ~FindingLog();
  FindingLog(const FindingLog&) = delete;
  FindingLog& operator=(const FindingLog&) = delete;

  // Writes the finding unless its (rule, source_address) key is out of tokens; returns
  // whether it was written. The first line after suppressed ones carries suppressed=N.
  bool Record(const Finding& finding, std::chrono::steady_clock::time_point now);
  // Opens the events file's path again and writes there from now on (log rotation by rename);
  // on failure logs why and keeps writing to the file open before. True without a file.
  bool Reopen();
  // New limits from the next Record on; shrinking max_keys forgets keys at once.
  void Reconfigure(const EventLogConfig& config);
  // Lines suppressed since creation.
  uint64_t suppressed() const { return suppressed_.load(std::memory_order_relaxed); }
  // Keys remembered now.
  size_t keys() const;
  // The last kRecentFindings lines written (suppressed ones are not kept), newest first.
  std::vector<LoggedFinding> Recent() const;
  static constexpr size_t kRecentFindings = 100;

 private:
  // (rule, source address), or (rule, "address:port") of a finding without a source.
  using Key = std::pair<std::string, std::string>;
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Bucket {
    Key key;
    uint32_t tokens = 0;
    std::chrono::steady_clock::time_point refilled;  // time the last whole token was added
    uint64_t suppressed = 0;                         // since the key's last written line
  };
  using BucketList = std::list<Bucket>;  // most recently used first

  FindingLog(const EventLogConfig& config, UniqueFd fd, std::string path, WallClock wall_clock);
  Bucket* Touch(const Finding& finding, std::chrono::steady_clock::time_point now);
  bool TakeGlobalToken(std::chrono::steady_clock::time_point now);
  void Refill(Bucket* bucket, std::chrono::steady_clock::time_point now) const;
  void EvictOldest();
  void WriteLine(const std::string& line);

  const std::string path_;
  const WallClock wall_clock_;
  mutable std::mutex mu_;  // guards everything below
  UniqueFd fd_;            // invalid: no events file; swapped by Reopen
  EventLogConfig config_;
  BucketList buckets_;
  std::unordered_map<Key, BucketList::iterator, KeyHash> index_;
  std::deque<LoggedFinding> recent_;  // newest at the back, at most kRecentFindings
  bool write_failing_ = false;        // the last file write failed (logged once per failure run)
  std::atomic<uint64_t> suppressed_{0};
  // Lines every key together may still write now (refilled at max_lines_per_second).
  double global_tokens_ = 0;
  std::chrono::steady_clock::time_point global_refill_{};
};

}  // namespace se
