#include "memory/trim_policy.h"

#include <algorithm>

namespace se {

bool TrimPolicy::Due(Clock::time_point now, uint64_t resident) {
  const auto since = now - trimmed_;
  if (since >= limits_.every) return true;
  if (!working_set_) {
    working_set_ = resident;
    return false;
  }
  const uint64_t slack = std::max<uint64_t>(limits_.min_growth, *working_set_ / 32);
  return since >= limits_.at_most_every && resident > *working_set_ + slack;
}

void TrimPolicy::Trimmed(Clock::time_point now) {
  trimmed_ = now;
  working_set_.reset();
}

}  // namespace se
