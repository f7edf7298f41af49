// Statistics shared by the benchmarks: quantiles, the spread of a figure over rounds, per-round
// differences and ratios between two arms, the noise verdict that refuses to present ratios of
// a disturbed run, CPU pressure.
#ifndef SE_BENCH_BENCH_STATS_H_
#define SE_BENCH_BENCH_STATS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace se::bench {

double Quantile(std::vector<double> v, double q);  // linear interpolation; v not empty
inline double Median(const std::vector<double>& v) { return Quantile(v, 0.5); }

// Median and interquartile range of one figure over rounds.
struct Spread {
  double median = 0, q1 = 0, q3 = 0;
  double RelativeIqr() const { return median != 0 ? (q3 - q1) / median : 0; }
  // "median [q1..q3]", each number printed with fmt (e.g. "%.1f").
  std::string Format(const char* fmt) const;
};
Spread SpreadOf(const std::vector<double>& v);  // v not empty
// SpreadOf(v).Format(fmt) over the rounds that have a value (not NaN); "-" if none has.
std::string SpreadText(std::vector<double> v, const char* fmt);

// f of arm `arm` in each round; Round is indexable by arm (an array of samples).
template <typename Round, typename F>
std::vector<double> Values(const std::vector<Round>& rounds, int arm, const F& f) {
  std::vector<double> v;
  for (const Round& r : rounds) v.push_back(f(r[arm]));
  return v;
}

// Per-round f(b) - f(a) and f(b) / f(a), between arms of the same round; empty if a < 0 (no arm).
template <typename Round, typename F>
std::vector<double> Differences(const std::vector<Round>& rounds, int a, int b, const F& f) {
  std::vector<double> v;
  for (size_t i = 0; a >= 0 && i < rounds.size(); ++i)
    v.push_back(f(rounds[i][b]) - f(rounds[i][a]));
  return v;
}
template <typename Round, typename F>
std::vector<double> Ratios(const std::vector<Round>& rounds, int a, int b, const F& f) {
  std::vector<double> v;
  for (size_t i = 0; a >= 0 && i < rounds.size(); ++i)
    v.push_back(f(rounds[i][b]) / f(rounds[i][a]));
  return v;
}

// The detached arm's spread over rounds may be at most this share of its median.
constexpr double kMaxRelativeIqr = 0.10;
// A verdict needs this many rounds at least: fewer make the quartiles meaningless.
constexpr size_t kMinVerdictRounds = 5;

// "" if n rounds suffice for a verdict, else "too few rounds for a verdict: n < 5".
std::string RoundsVerdict(size_t n);

// "" if the run may present ratios as results, else why not: too few rounds (RoundsVerdict),
// "too noisy: ..." when the detached arm's interquartile range exceeds kMaxRelativeIqr of its
// median, or when fewer than half the rounds were quiet by the benchmark's own criterion
// (named by quiet_what).
std::string NoiseVerdict(const std::vector<double>& detached, int quiet_rounds, int rounds,
                         const std::string& quiet_what);

// Microseconds during which some task waited for a CPU since boot (/proc/pressure/cpu); 0
// without PSI.
uint64_t CpuStallUs();
// The share of the last 10 s in which some task waited for a CPU, as the kernel prints it
// ("0.52"); "n/a" without PSI.
std::string CpuPressureAvg10();

}  // namespace se::bench

#endif  // SE_BENCH_BENCH_STATS_H_
