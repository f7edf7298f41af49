#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace se {

// When the heap's free pages go back to the kernel (malloc_trim). free() never does it itself
// (main.cc sets M_TRIM_THRESHOLD out of reach): glibc's automatic trimming of the heap top made
// the next scrape fault megabytes in again, the cause of most slow scrapes. Instead, on a tick
// after something was rendered, the caller passes the resident set and trims when this says so:
//   - the resident set grew by more than max(min_growth, 1/32) over the working set measured on
//     the first such tick after the last trim (fragmentation creeping up), at most once per
//     `at_most_every`, so the one slower scrape after a trim stays rare; or
//   - `every` has passed since the last trim (free memory from a large render goes back).
// Pure: the caller reads the clock and the resident set. Unit-tested.
class TrimPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    std::chrono::seconds every{60};
    std::chrono::seconds at_most_every{5};
    uint64_t min_growth = 1 << 20;
  };

  TrimPolicy(Limits limits, Clock::time_point start) : limits_(limits), trimmed_(start) {}

  // Something was rendered since the last call; `resident` is the process's resident bytes now.
  bool Due(Clock::time_point now, uint64_t resident);
  // The caller trimmed at `now`: the next call measures the working set again.
  void Trimmed(Clock::time_point now);

  std::optional<uint64_t> working_set() const { return working_set_; }

 private:
  Limits limits_;
  Clock::time_point trimmed_;
  std::optional<uint64_t> working_set_;
};

}  // namespace se
