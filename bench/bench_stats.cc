#include "bench_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace se::bench {
namespace {

// Value of key (e.g. "total=") in the "some" line of /proc/pressure/cpu; "" without PSI.
std::string CpuPressureSome(const std::string& key) {
  std::ifstream in("/proc/pressure/cpu");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("some ", 0) != 0) continue;
    const size_t at = line.find(key);
    if (at == std::string::npos) return "";
    const size_t from = at + key.size();
    return line.substr(from, line.find(' ', from) - from);
  }
  return "";
}

}  // namespace

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(pos), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

std::string Spread::Format(const char* fmt) const {
  char m[32], lo[32], hi[32], out[112];
  std::snprintf(m, sizeof(m), fmt, median);
  std::snprintf(lo, sizeof(lo), fmt, q1);
  std::snprintf(hi, sizeof(hi), fmt, q3);
  std::snprintf(out, sizeof(out), "%s [%s..%s]", m, lo, hi);
  return out;
}

Spread SpreadOf(const std::vector<double>& v) {
  return {Quantile(v, 0.5), Quantile(v, 0.25), Quantile(v, 0.75)};
}

std::string SpreadText(std::vector<double> v, const char* fmt) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  return v.empty() ? "-" : SpreadOf(v).Format(fmt);
}

std::string RoundsVerdict(size_t n) {
  if (n >= kMinVerdictRounds) return "";
  return "too few rounds for a verdict: " + std::to_string(n) + " < " +
         std::to_string(kMinVerdictRounds);
}

std::string NoiseVerdict(const std::vector<double>& detached, int quiet_rounds, int rounds,
                         const std::string& quiet_what) {
  const std::string few = RoundsVerdict(detached.size());
  if (!few.empty()) return few;
  char why[256];
  const Spread s = SpreadOf(detached);
  if (s.RelativeIqr() > kMaxRelativeIqr) {
    std::snprintf(why, sizeof(why),
                  "too noisy: the detached arm's interquartile range is %.1f %% of its median "
                  "(limit %.0f %%)",
                  100 * s.RelativeIqr(), 100 * kMaxRelativeIqr);
    return why;
  }
  if (2 * quiet_rounds < rounds) {
    std::snprintf(why, sizeof(why), "too noisy: only %d of %d rounds quiet (%s)", quiet_rounds,
                  rounds, quiet_what.c_str());
    return why;
  }
  return "";
}

uint64_t CpuStallUs() {
  const std::string total = CpuPressureSome("total=");
  return total.empty() ? 0 : std::stoull(total);
}

std::string CpuPressureAvg10() {
  const std::string avg10 = CpuPressureSome("avg10=");
  return avg10.empty() ? "n/a" : avg10;
}

}  // namespace se::bench
