#include "bench_cli.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace se::bench {

void Flags::Parse(int argc, char** argv) const {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i], value;
    if (SetSwitch(flag)) continue;
    const size_t eq = flag.find('=');
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage("missing value for " + flag);
    }
    SetInt(flag, value);
  }
}

void Flags::Usage(const std::string& why) const {
  std::fprintf(stderr, "%s: %s (usage: %s; --flag N works too)\n", program_.c_str(), why.c_str(),
               usage_.c_str());
  std::exit(2);
}

bool Flags::SetSwitch(const std::string& arg) const {
  for (const SwitchFlag& s : switches_)
    if (arg == s.name) return *s.on = true;
  return false;
}

void Flags::SetInt(const std::string& flag, const std::string& value) const {
  for (const IntFlag& f : ints_) {
    if (flag != f.name) continue;
    char* end = nullptr;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || v < f.lo || v > f.hi)
      Usage("bad value for " + flag + ": '" + value + "' (" + std::to_string(f.lo) + ".." +
            std::to_string(f.hi) + ")");
    f.set(v);
    return;
  }
  Usage("unknown argument " + flag);
}

void BlockStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, sig);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
}

bool Interrupted() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM) ||
         sigismember(&pending, SIGHUP);
}

void StartAsRoot(const char* program, const char* needs) {
  if (geteuid() != 0) {
    std::fprintf(stderr, "%s: must run as root (%s)\n", program, needs);
    std::exit(1);
  }
  BlockStopSignals();
  signal(SIGPIPE, SIG_IGN);
}

}  // namespace se::bench
