// Command-line plumbing shared by the benchmarks: integer flags ("--flag=N" or "--flag N")
// within bounds, switches, and stop signals held pending until a round boundary.
#ifndef SE_BENCH_BENCH_CLI_H_
#define SE_BENCH_BENCH_CLI_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace se::bench {

// Flags of one benchmark. A bad argument prints one line,
// "<program>: <why> (usage: <usage>; --flag N works too)", and exits with status 2.
class Flags {
 public:
  Flags(std::string program, std::string usage)
      : program_(std::move(program)), usage_(std::move(usage)) {}

  // "--name=N" or "--name N" with lo <= N <= hi, stored in *out.
  template <typename T>
  Flags& Int(const std::string& name, T* out, long long lo, long long hi) {
    ints_.push_back({name, lo, hi, [out](long long v) { *out = static_cast<T>(v); }});
    return *this;
  }
  // "--name" alone sets *on.
  Flags& Switch(const std::string& name, bool* on) {
    switches_.push_back({name, on});
    return *this;
  }
  void Parse(int argc, char** argv) const;
  [[noreturn]] void Usage(const std::string& why) const;

 private:
  struct IntFlag {
    std::string name;
    long long lo, hi;
    std::function<void(long long)> set;
  };
  struct SwitchFlag {
    std::string name;
    bool* on;
  };
  bool SetSwitch(const std::string& arg) const;
  void SetInt(const std::string& flag, const std::string& value) const;

  std::string program_, usage_;
  std::vector<IntFlag> ints_;
  std::vector<SwitchFlag> switches_;
};

// Blocks SIGINT, SIGTERM and SIGHUP, so they stay pending until Interrupted() sees them at a
// round boundary and every exit path unwinds the cleanup (namespaces, programs, sysctls).
void BlockStopSignals();
bool Interrupted();  // one of those signals is pending

// The start of a benchmark that needs root: exits with status 1 and
// "<program>: must run as root (<needs>)" unless root, then BlockStopSignals() and ignores
// SIGPIPE, so a closed output pipe fails the next write instead of killing before the cleanup.
void StartAsRoot(const char* program, const char* needs);

}  // namespace se::bench

#endif  // SE_BENCH_BENCH_CLI_H_
