// The exporter binary under test, run as a child process and scraped over HTTP.
#ifndef SE_TEST_HARNESS_EXPORTER_PROCESS_H_
#define SE_TEST_HARNESS_EXPORTER_PROCESS_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "harness/command.h"
#include "harness/http_client.h"
#include "harness/metrics_text.h"

namespace se::test {

class Netns;

// Path of the socket_exporter binary built alongside the tests.
std::string ExporterBinary();

// A port on 127.0.0.1 that was free a moment ago, in the calling thread's network namespace.
uint16_t PickFreePort();

// Non-empty lines of text, for "exactly one line on stderr" checks.
std::vector<std::string> NonEmptyLines(const std::string& text);

class ExporterProcess {
 public:
  // `args` are flags besides --web.listen-address, which the harness picks on 127.0.0.1. With
  // run_in set, the process starts inside that namespace and is scraped from inside it.
  explicit ExporterProcess(std::vector<std::string> args, const Netns* run_in = nullptr);
  ~ExporterProcess();  // kills the process if it is still running
  ExporterProcess(const ExporterProcess&) = delete;
  ExporterProcess& operator=(const ExporterProcess&) = delete;

  // Replaces Start's plain-HTTP /-/ready check, e.g. with one over TLS; runs in the calling
  // thread's network namespace and is given the listening port.
  void SetReadyCheck(std::function<bool(uint16_t port)> ready) { ready_ = std::move(ready); }

  // Spawns the exporter and waits for /-/ready to answer 200; on failure includes its stderr.
  ::testing::AssertionResult Start(
      std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
  // Sends `signal`, then waits; returns the exit code (128+signal if killed by one, kTimedOut if
  // it did not exit in time, after which it is killed).
  int Stop(int signal = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool Running();

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  std::string Stderr() const;

  HttpResponse Get(const std::string& path) const;
  // GET of the telemetry path; a failed or non-200 scrape is recorded as a test failure.
  ParsedMetrics Scrape() const;
  // Scrapes until done(metrics) holds or the timeout passes (closes finish in softirq shortly
  // after the syscalls return). Once done, scrapes again after `settle`, so late extra counts
  // show up in the result, which is that last scrape.
  ParsedMetrics ScrapeUntil(
      const std::function<bool(const ParsedMetrics&)>& done,
      std::chrono::milliseconds timeout = std::chrono::seconds(5),
      std::chrono::milliseconds settle = std::chrono::milliseconds(200)) const;

 private:
  std::vector<std::string> args_;
  const Netns* run_in_;
  std::string telemetry_path_ = "/metrics";
  std::string stderr_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::function<bool(uint16_t port)> ready_;  // unset: GET /-/ready over plain HTTP
};

// Runs the exporter with exactly `args` until it exits (killed after `timeout`). `wrapper` is a
// command prefix such as {"setpriv", "--reuid=65534", ...}.
CommandResult RunExporterToExit(const std::vector<std::string>& args,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                const std::vector<std::string>& wrapper = {});

}  // namespace se::test

#endif  // SE_TEST_HARNESS_EXPORTER_PROCESS_H_
