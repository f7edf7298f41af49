#include "container_fixture.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness/http_client.h"

namespace se::test {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

}  // namespace

const char kContainersConf[] = R"([containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
)";

namespace {

// Imports `debootstrap --variant=minbase bookworm` as kBaseImage unless it exists already.
std::string EnsureBaseImage() {
  if (Podman({"image", "exists", kBaseImage}).exit_code == 0) return "";
  if (!InPath("debootstrap")) return "debootstrap is missing (tools/install-deps.sh --test)";
  const std::string dir = "/tmp/se-e2e-rootfs-" + std::to_string(getpid());
  const CommandResult boot = RunCommand(
      {"debootstrap", "--variant=minbase", "bookworm", dir, "http://deb.debian.org/debian"},
      minutes(15));
  std::string error;
  if (boot.exit_code != 0) {
    error = "debootstrap failed: " + Tail(boot);
  } else {
    // The downloaded .debs are not part of the base (about 100 MB).
    std::filesystem::remove_all(dir + "/var/cache/apt/archives");
    const CommandResult import = RunCommand(
        {"sh", "-c", "tar -C '" + dir + "' -c . | podman import - " + kBaseImage}, minutes(5));
    if (import.exit_code != 0) error = "podman import failed: " + Tail(import);
  }
  std::filesystem::remove_all(dir);
  return error;
}

}  // namespace

CommandResult Podman(std::vector<std::string> args, milliseconds timeout) {
  args.insert(args.begin(), "podman");
  return RunCommand(args, timeout);
}

// The last `n` characters of a command's output, for failure messages.
std::string Tail(const CommandResult& r, size_t n) {
  const std::string all = r.out + r.err;
  return all.size() > n ? "..." + all.substr(all.size() - n) : all;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void ContainerImageTest::SetUpTestSuite() {
  conf_path_ = MakeTempFile("se-e2e-containers-conf");
  std::ofstream(conf_path_) << kContainersConf;
  setenv("CONTAINERS_CONF", conf_path_.c_str(), 1);
  if (!InPath("podman")) {
    skip_ = "podman is not installed (tools/install-deps.sh --test installs it)";
    return;
  }
  const CommandResult info = Podman({"info"});
  if (info.exit_code != 0) {
    skip_ = "podman cannot run here (`podman info` failed): " + Tail(info, 500);
    return;
  }
  error_ = EnsureBaseImage();
  if (!error_.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  const CommandResult build =
      Podman({"build", "--network=host", "--format=docker", "--pull=never", "--build-arg",
              std::string("BUILD_BASE=") + kBaseImage, "--build-arg", "REVISION=e2e", "--tag",
              kImage, SE_SOURCE_DIR},
             minutes(40));
  if (build.exit_code != 0) error_ = "podman build failed: " + Tail(build);
  std::cerr << "podman build took "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s\n";
}

std::string ContainerImageTest::conf_path_;
std::string ContainerImageTest::skip_;
std::string ContainerImageTest::error_;

std::string SidecarSeccompProfile(std::string* error) {
  const std::string source = "/usr/share/containers/seccomp.json";
  json profile = json::parse(ReadFile(source), nullptr, false);
  if (!profile.is_object() || !profile["syscalls"].is_array()) {
    *error = "cannot read podman's seccomp profile " + source;
    return "";
  }
  for (json& rule : profile["syscalls"]) {
    if (rule.value("action", "") != "SCMP_ACT_ERRNO" || !rule["names"].is_array()) continue;
    json names = json::array();
    for (const json& n : rule["names"])
      if (n != "bpf" && n != "perf_event_open") names.push_back(n);
    rule["names"] = names;
  }
  profile["syscalls"].push_back(
      {{"names", {"bpf"}}, {"action", "SCMP_ACT_ALLOW"}, {"includes", {{"caps", {"CAP_BPF"}}}}});
  profile["syscalls"].push_back({{"names", {"perf_event_open"}},
                                 {"action", "SCMP_ACT_ALLOW"},
                                 {"includes", {{"caps", {"CAP_PERFMON"}}}}});
  const std::string path = MakeTempFile("se-e2e-seccomp");
  std::ofstream(path) << profile.dump(1);
  return path;
}

std::vector<std::string> SidecarRunArgs(const Netns& pod, const std::string& seccomp) {
  return {"--network",
          "ns:" + pod.Path(),
          "--read-only",
          "--cap-drop=ALL",
          std::string("--cap-add=") + kSidecarCaps,
          "--security-opt",
          "seccomp=" + seccomp,
          kImage,
          "--netns=self",
          "--web.listen-address=127.0.0.1:" + std::to_string(kExporterPort)};
}

RemoveFile::~RemoveFile() { std::filesystem::remove(path); }

uint64_t StatusMask(const std::string& status, const std::string& key) {
  const size_t at = status.find("\n" + key + ":\t");
  if (at == std::string::npos) return ~0ULL;
  return std::stoull(status.substr(at + key.size() + 3, 16), nullptr, 16);
}

ParsedMetrics ScrapeUntil(const Netns& ns, const std::function<bool(const ParsedMetrics&)>& done,
                          milliseconds timeout) {
  ParsedMetrics m;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    HttpResponse r;
    ns.RunIn([&] { r = Scrape(kExporterPort, "/metrics"); });
    if (r.status == 200) {
      m = ParsedMetrics::Parse(r.body);
      if (done(m)) break;
    }
    std::this_thread::sleep_for(milliseconds(250));
  } while (std::chrono::steady_clock::now() < deadline);
  return m;
}

}  // namespace se::test
