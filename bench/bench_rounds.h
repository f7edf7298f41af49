// The round loop of the benchmarks with rotating arms: every round runs every arm, the order
// rotating every round and running backwards in odd rounds, so no arm always follows the same
// one and slow drift of a shared machine hits all arms alike.
#ifndef SE_BENCH_BENCH_ROUNDS_H_
#define SE_BENCH_BENCH_ROUNDS_H_

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <vector>

#include "bench_cli.h"
#include "bench_meters.h"

namespace se::bench {

// Runs rounds until `wanted` of them saw no foreign cgroup inet-ingress link (that program would
// run in every arm, "detached" too), at most twice as many in all. run(round, arm) measures one
// arm and returns its sample, whose `foreign` counts the links not ours seen around it. Returns
// the clean rounds, or all of them if fewer than three were clean. Round is an std::array of
// samples indexed by arm.
template <typename Round, typename Run>
std::vector<Round> RunCleanRounds(int wanted, const Run& run) {
  constexpr int kArms = static_cast<int>(std::tuple_size<Round>::value);
  std::vector<Round> all, clean;
  for (int r = 0; static_cast<int>(clean.size()) < wanted && r < 2 * wanted; ++r) {
    Round round;
    for (int k = 0; k < kArms; ++k) {
      if (Interrupted()) throw MeterError("interrupted");
      if (std::ferror(stdout)) throw MeterError("cannot write the output");
      const int arm = (r + (r % 2 ? kArms - 1 - k : k)) % kArms;
      round[arm] = run(r, arm);
      std::fflush(stdout);
    }
    all.push_back(round);
    if (std::none_of(round.begin(), round.end(), [](const auto& s) { return s.foreign > 0; }))
      clean.push_back(round);
  }
  std::printf(
      "rounds run %zu, kept %zu, discarded %zu (a foreign cgroup inet-ingress link was "
      "attached during the round)\n",
      all.size(), clean.size(), all.size() - clean.size());
  if (clean.size() >= 3) return clean;
  std::printf("WARNING: fewer than 3 clean rounds: the summaries below use every round\n");
  return all;
}

}  // namespace se::bench

#endif  // SE_BENCH_BENCH_ROUNDS_H_
