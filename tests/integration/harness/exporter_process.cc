#include "harness/exporter_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "harness/netns.h"
#include "harness/traffic.h"

#ifndef SE_EXPORTER_BINARY
#error "SE_EXPORTER_BINARY must name the exporter binary under test"
#endif

namespace se::test {

std::string ExporterBinary() { return SE_EXPORTER_BINARY; }

uint16_t PickFreePort() {
  UniqueFd fd = ListenTcp(Endpoint{kLoopback4, 0}, 1);
  return LocalPort(fd.get());
}

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

ExporterProcess::ExporterProcess(std::vector<std::string> args, const Netns* run_in)
    : args_(std::move(args)), run_in_(run_in) {
  const std::string flag = "--web.telemetry-path=";
  for (const auto& a : args_) {
    if (a.compare(0, flag.size(), flag) == 0) telemetry_path_ = a.substr(flag.size());
  }
}

ExporterProcess::~ExporterProcess() {
  if (pid_ > 0 && WaitForExit(pid_, std::chrono::milliseconds(0)) == kTimedOut) {
    kill(pid_, SIGKILL);
    WaitForExit(pid_, std::chrono::seconds(5));
  }
  if (!stderr_path_.empty()) unlink(stderr_path_.c_str());
}

::testing::AssertionResult ExporterProcess::Start(std::chrono::milliseconds ready_timeout) {
  if (run_in_ != nullptr) {
    run_in_->RunIn([this] { port_ = PickFreePort(); });
  } else {
    port_ = PickFreePort();
  }
  std::vector<std::string> argv = {ExporterBinary(),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_)};
  argv.insert(argv.end(), args_.begin(), args_.end());
  stderr_path_ = MakeTempFile("se-exporter-stderr");
  const int err_fd = open(stderr_path_.c_str(), O_WRONLY | O_CLOEXEC);
  pid_ = Spawn(argv, {-1, err_fd, run_in_ != nullptr ? run_in_->Path() : ""});
  close(err_fd);
  if (pid_ <= 0) return ::testing::AssertionFailure() << "cannot spawn " << ExporterBinary();
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const int code = WaitForExit(pid_, std::chrono::milliseconds(0));
    if (code != kTimedOut) {
      pid_ = -1;
      return ::testing::AssertionFailure()
             << "exporter exited with " << code << " before ready; stderr:\n"
             << Stderr();
    }
    const bool ready = ready_ ? ready_(port_) : Get("/-/ready").status == 200;
    if (ready) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ::testing::AssertionFailure()
         << "exporter not ready within " << ready_timeout.count() << " ms; stderr:\n"
         << Stderr();
}

int ExporterProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return kTimedOut;
  kill(pid_, signal);
  int code = WaitForExit(pid_, timeout);
  if (code == kTimedOut) {
    kill(pid_, SIGKILL);
    WaitForExit(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
  return code;
}

bool ExporterProcess::Running() {
  if (pid_ <= 0) return false;
  if (WaitForExit(pid_, std::chrono::milliseconds(0)) == kTimedOut) return true;
  pid_ = -1;
  return false;
}

std::string ExporterProcess::Stderr() const { return ReadFile(stderr_path_); }

HttpResponse ExporterProcess::Get(const std::string& path) const {
  HttpResponse response;
  if (run_in_ != nullptr) {
    run_in_->RunIn([&] { response = se::test::Scrape(port_, path); });
  } else {
    response = se::test::Scrape(port_, path);
  }
  return response;
}

ParsedMetrics ExporterProcess::Scrape() const {
  const HttpResponse r = Get(telemetry_path_);
  if (r.status != 200) {
    ADD_FAILURE() << "scrape of " << telemetry_path_ << " failed: status " << r.status << " "
                  << r.error << "\nexporter stderr:\n"
                  << Stderr();
    return ParsedMetrics();
  }
  ParsedMetrics parsed = ParsedMetrics::Parse(r.body);
  for (const auto& e : parsed.Errors()) ADD_FAILURE() << "unparsable exposition line: " << e;
  return parsed;
}

ParsedMetrics ExporterProcess::ScrapeUntil(const std::function<bool(const ParsedMetrics&)>& done,
                                           std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds settle) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    ParsedMetrics m = Scrape();
    if (std::chrono::steady_clock::now() >= deadline) return m;
    if (done(m)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(settle);
  return Scrape();
}

CommandResult RunExporterToExit(const std::vector<std::string>& args,
                                std::chrono::milliseconds timeout,
                                const std::vector<std::string>& wrapper) {
  std::vector<std::string> argv = wrapper;
  argv.push_back(ExporterBinary());
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, timeout);
}

}  // namespace se::test
