// socket_exporter: per-port TCP statistics from eBPF, served to Prometheus.
#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "config/options.h"
#include "daemon/daemon.h"
#include "logging/log.h"

int main(int argc, char** argv) {
  // One malloc arena for every thread: glibc's default of an arena per thread lets each
  // thread that ever rendered a 50k-series scrape keep its own heap of freed memory
  // (docs/architecture.md, "Memory").
  mallopt(M_ARENA_MAX, 1);
  // With glibc's defaults the heap top is trimmed whenever 128 KiB of it is free and the mmap
  // threshold follows the sizes freed, so each 50k-series scrape faulted megabytes in again:
  // most of the slow scrapes (docs/benchmarks-scrape.md). Blocks under 32 MiB come from the
  // heap and free() never shrinks it; free pages go back when the detector thread's trim
  // policy says so (memory/trim_policy.h).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum; fixing it stops the dynamic one
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // Block shutdown and reload signals in every thread; the main thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const se::ParseResult parsed = se::ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok) {
    std::fprintf(stderr, "socket_exporter: error: %s\n", parsed.error.c_str());
    return 2;
  }
  if (parsed.options.show_help) {
    std::fputs(se::UsageText(argv[0]).c_str(), stdout);
    return 0;
  }
  if (parsed.options.show_version) {
    std::fputs(se::VersionText().c_str(), stdout);
    return 0;
  }
  se::log::Setup(parsed.options.log_format, parsed.options.log_level);
  se::Daemon daemon(parsed.options);
  std::string error;
  if (!daemon.Start(&error)) {
    se::log::Error(error);
    return 1;
  }
  daemon.ServeUntilShutdown();
  return 0;
}
