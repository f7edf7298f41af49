#include "findings/finding_log.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace se {

namespace {

using std::chrono::steady_clock;
using std::chrono::system_clock;

// Length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 if invalid:
// no overlong forms, no surrogates, nothing above U+10FFFF.
size_t Utf8Sequence(const std::string& s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const unsigned char b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) return 0;
    lo = 0x80;
    hi = 0xBF;
  }
  return n;
}

void AppendEscapedAscii(unsigned char c, std::string* out) {
  switch (c) {
    case '"':
      *out += "\\\"";
      return;
    case '\\':
      *out += "\\\\";
      return;
    case '\b':
      *out += "\\b";
      return;
    case '\f':
      *out += "\\f";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
  }
  if (c < 0x20 || c == 0x7F) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), "\\u%04x", c);
    *out += buf;
    return;
  }
  *out += static_cast<char>(c);
}

void AppendString(const std::string& key, const std::string& value, std::string* out) {
  *out += ",\"" + JsonEscape(key) + "\":\"" + JsonEscape(value) + "\"";
}

void AppendNumber(const std::string& key, uint64_t value, std::string* out) {
  *out += ",\"" + key + "\":" + std::to_string(value);
}

// Out-of-range settings would disable logging or the key table; use the least useful value.
EventLogConfig Clamp(EventLogConfig config) {
  config.burst = std::max<uint32_t>(config.burst, 1);
  config.max_lines_per_second = std::max<uint32_t>(config.max_lines_per_second, 1);
  config.max_keys = std::max<uint32_t>(config.max_keys, 1);
  config.interval = std::max(config.interval, std::chrono::milliseconds(0));
  return config;
}

// Filesystems whose files look regular to stat but are kernel interfaces, not storage.
bool IsPseudoFilesystem(int fd) {
  struct statfs fs {};
  if (fstatfs(fd, &fs) != 0) return false;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case BPF_FS_MAGIC:
      return true;
  }
  return false;
}

// Why an open events file must not be written, or "" if it may.
std::string EventsFileProblem(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode) || IsPseudoFilesystem(fd)) return "not a regular file";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("writable by group or others (mode ") + mode +
           "); remove their write permission with chmod go-w";
  }
  return "";
}

// Opens (creating if needed) the events file for appending: the path itself, never a symlink
// to something else, and only a regular file nobody else may write.
UniqueFd OpenEventsFile(const std::string& path, std::string* error) {
  const std::string prefix = "--events.file=" + path + ": ";
  // O_NONBLOCK only so that opening a FIFO without a reader fails instead of hanging.
  UniqueFd fd(open(path.c_str(),
                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW, 0600));
  if (!fd) {
    struct stat st {};
    const int saved = errno;
    if (saved == ELOOP && lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      *error = prefix + "is a symbolic link; give the path of the file itself";
    } else if (saved == ENXIO && lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      *error = prefix + "not a regular file";  // a FIFO or socket without a reader
    } else {
      *error = prefix + std::strerror(saved);
    }
    return UniqueFd();
  }
  const std::string problem = EventsFileProblem(fd.get());
  if (!problem.empty()) {
    *error = prefix + problem;
    return UniqueFd();
  }
  const int flags = fcntl(fd.get(), F_GETFL);
  if (flags < 0 || fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) < 0) {
    *error = prefix + std::strerror(errno);
    return UniqueFd();
  }
  return fd;
}

}  // namespace

std::string JsonEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      AppendEscapedAscii(c, &out);
      ++i;
      continue;
    }
    const size_t n = Utf8Sequence(text, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

std::string Rfc3339Millis(system_clock::time_point time) {
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;  // floor, also before 1970
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", date, static_cast<int>(ms - secs * 1000));
  return out;
}

log::Fields FindingFields(const Finding& f, uint64_t suppressed) {
  log::Fields fields = {
      {"event", "finding"},           {"rule", f.rule},
      {"src", f.source_address},      {"src_port", std::to_string(f.source_port)},
      {"dst", f.destination_address}, {"dst_port", std::to_string(f.destination_port)},
      {"process", f.process},         {"count", std::to_string(f.count)}};
  if (suppressed > 0) fields.emplace_back("suppressed", std::to_string(suppressed));
  fields.insert(fields.end(), f.extra.begin(), f.extra.end());
  return fields;
}

std::string FindingJson(const Finding& f, uint64_t suppressed, system_clock::time_point time) {
  std::string line = "{\"time\":\"" + Rfc3339Millis(time) + "\"";
  AppendString("rule", f.rule, &line);
  AppendString("src", f.source_address, &line);
  AppendNumber("src_port", f.source_port, &line);
  AppendString("dst", f.destination_address, &line);
  AppendNumber("dst_port", f.destination_port, &line);
  AppendString("process", f.process, &line);
  AppendNumber("count", f.count, &line);
  if (suppressed > 0) AppendNumber("suppressed", suppressed, &line);
  for (const auto& [key, value] : f.extra) AppendString(key, value, &line);
  return line + "}";
}

std::unique_ptr<FindingLog> FindingLog::Open(const EventLogConfig& config,
                                             const std::string& events_file, std::string* error,
                                             WallClock wall_clock) {
  UniqueFd fd;
  if (!events_file.empty()) {
    fd = OpenEventsFile(events_file, error);
    if (!fd) return nullptr;
  }
  if (!wall_clock) wall_clock = [] { return system_clock::now(); };
  return std::unique_ptr<FindingLog>(
      new FindingLog(config, std::move(fd), events_file, std::move(wall_clock)));
}

bool FindingLog::Reopen() {
  if (path_.empty()) return true;
  std::string error;
  UniqueFd fresh = OpenEventsFile(path_, &error);
  if (!fresh) {
    log::Error("cannot reopen the events file; still writing to the one open before",
               {{"path", path_}, {"error", error}});
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(fd_, fresh);
    write_failing_ = false;
  }
  log::Info("events file reopened", {{"path", path_}});
  return true;  // the old descriptor closes here, outside the lock
}

FindingLog::FindingLog(const EventLogConfig& config, UniqueFd fd, std::string path,
                       WallClock wall_clock)
    : path_(std::move(path)),
      wall_clock_(std::move(wall_clock)),
      fd_(std::move(fd)),
      config_(Clamp(config)) {}

FindingLog::~FindingLog() = default;

size_t FindingLog::KeyHash::operator()(const Key& key) const {
  const size_t a = std::hash<std::string>()(key.first);
  return a ^ (std::hash<std::string>()(key.second) + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

bool FindingLog::Record(const Finding& finding, steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket* bucket = Touch(finding, now);
  Refill(bucket, now);
  if (bucket->tokens == 0 || !TakeGlobalToken(now)) {
    ++bucket->suppressed;
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  --bucket->tokens;
  const uint64_t dropped = std::exchange(bucket->suppressed, 0);
  log::Warn(finding.rule == "port_scan" ? "port scan" : "suspicious connection",
            FindingFields(finding, dropped));
  const system_clock::time_point when = wall_clock_();
  if (fd_) WriteLine(FindingJson(finding, dropped, when) + "\n");
  recent_.push_back({finding, when, dropped});
  if (recent_.size() > kRecentFindings) recent_.pop_front();
  return true;
}

std::vector<LoggedFinding> FindingLog::Recent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::vector<LoggedFinding>(recent_.rbegin(), recent_.rend());
}

bool FindingLog::TakeGlobalToken(steady_clock::time_point now) {
  const double rate = config_.max_lines_per_second;
  if (global_refill_ == steady_clock::time_point{}) global_tokens_ = rate;
  const double elapsed = std::chrono::duration<double>(now - global_refill_).count();
  if (global_refill_ != steady_clock::time_point{} && elapsed > 0)
    global_tokens_ = std::min(rate, global_tokens_ + elapsed * rate);
  global_refill_ = now;
  if (global_tokens_ < 1) return false;
  global_tokens_ -= 1;
  return true;
}

void FindingLog::Reconfigure(const EventLogConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = Clamp(config);
  while (buckets_.size() > config_.max_keys) EvictOldest();
}

size_t FindingLog::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

FindingLog::Bucket* FindingLog::Touch(const Finding& finding, steady_clock::time_point now) {
  // Findings without a source (listeners) are limited per local address and port instead.
  Key key(finding.rule,
          finding.source_address.empty()
              ? finding.destination_address + ":" + std::to_string(finding.destination_port)
              : finding.source_address);
  auto it = index_.find(key);
  if (it != index_.end()) {
    buckets_.splice(buckets_.begin(), buckets_, it->second);
    return &buckets_.front();
  }
  if (buckets_.size() >= config_.max_keys) EvictOldest();
  buckets_.push_front(Bucket{std::move(key), config_.burst, now, 0});
  index_.emplace(buckets_.front().key, buckets_.begin());
  return &buckets_.front();
}

void FindingLog::EvictOldest() {
  index_.erase(buckets_.back().key);
  buckets_.pop_back();
}

void FindingLog::Refill(Bucket* b, steady_clock::time_point now) const {
  const uint32_t burst = config_.burst;
  b->tokens = std::min(b->tokens, burst);  // burst may have shrunk
  const auto interval = std::chrono::duration_cast<steady_clock::duration>(config_.interval);
  // A full bucket banks no time: its next token comes one interval after it is first used.
  if (b->tokens == burst || interval.count() == 0) {
    b->tokens = burst;
    b->refilled = now;
    return;
  }
  if (now <= b->refilled) return;
  const auto earned = (now - b->refilled) / interval;
  if (earned >= static_cast<int64_t>(burst - b->tokens)) {
    b->tokens = burst;
    b->refilled = now;
  } else {
    b->tokens += static_cast<uint32_t>(earned);
    b->refilled += interval * earned;
  }
}

void FindingLog::WriteLine(const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = write(fd_.get(), line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!write_failing_) {
        log::Error("cannot write events file",
                   {{"path", path_}, {"err", n < 0 ? std::strerror(errno) : "short write"}});
      }
      write_failing_ = true;
      return;
    }
    done += static_cast<size_t>(n);
  }
  write_failing_ = false;
}

}  // namespace se
