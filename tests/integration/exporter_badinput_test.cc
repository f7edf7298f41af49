// Bad input: a non-zero exit, one stderr line naming the problem, and no BPF program left behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "harness/bpf_programs.h"
#include "harness/command.h"
#include "harness/exporter_process.h"
#include "harness/traffic.h"

namespace se::test {
namespace {

using std::chrono::seconds;

std::string FreeListenFlag() {
  return "--web.listen-address=127.0.0.1:" + std::to_string(PickFreePort());
}

// Runs the exporter with `args` and expects a rejection whose single line names every `mention`.
void ExpectRejected(const std::vector<std::string>& args, const std::vector<std::string>& mentions,
                    const std::vector<std::string>& wrapper = {}) {
  std::string joined;
  for (const auto& a : args) joined += a + " ";
  SCOPED_TRACE("socket_exporter " + joined);
  const std::set<uint32_t> baseline = BpfProgramIds();
  const CommandResult r = RunExporterToExit(args, seconds(10), wrapper);
  ASSERT_FALSE(r.timed_out()) << "still running after 10 s; stderr:\n" << r.err;
  EXPECT_NE(r.exit_code, 0);
  const std::vector<std::string> lines = NonEmptyLines(r.err);
  ASSERT_EQ(lines.size(), 1u) << "stderr:\n" << r.err;
  for (const auto& m : mentions)
    EXPECT_NE(lines[0].find(m), std::string::npos)
        << "does not mention \"" << m << "\": " << lines[0];
  const std::vector<BpfProgram> left = OrphanedProgramsSince(baseline, seconds(3));
  EXPECT_TRUE(left.empty()) << "BPF programs left loaded: " << Describe(left);
}

TEST(ExporterBadInputTest, UnknownFlagIsRejectedByName) {
  ExpectRejected({FreeListenFlag(), "--no.such.flag=1"}, {"--no.such.flag"});
  ExpectRejected({FreeListenFlag(), "--web.listen"}, {"--web.listen"});
}

TEST(ExporterBadInputTest, FlagWithoutItsValueIsRejected) {
  ExpectRejected({"--web.listen-address"}, {"--web.listen-address"});
}

TEST(ExporterBadInputTest, MalformedListenAddressIsRejected) {
  for (const std::string value :
       {"127.0.0.1:notaport", "127.0.0.1", "300.1.2.3:9976", "127.0.0.1:70000", "[::1:9976"}) {
    ExpectRejected({"--web.listen-address=" + value}, {value});
  }
}

TEST(ExporterBadInputTest, ListenAddressInUseIsRejected) {
  const UniqueFd holder = ListenTcp({kLoopback4, 0}, 1);
  const std::string address = "127.0.0.1:" + std::to_string(LocalPort(holder.get()));
  ExpectRejected({"--web.listen-address=" + address}, {address, "in use"});
}

TEST(ExporterBadInputTest, BadPortsTrackTokenIsNamed) {
  for (const std::string token : {"8o", "70000", "100-50", "http", "22-"}) {
    ExpectRejected({FreeListenFlag(), "--ports.track=22," + token + ",443"}, {token});
  }
}

TEST(ExporterBadInputTest, PortsMaxOutOfRangeIsRejected) {
  for (const std::string value : {"512", "100000", "-1", "many"}) {
    ExpectRejected({FreeListenFlag(), "--ports.max=" + value}, {"--ports.max", value});
  }
}

TEST(ExporterBadInputTest, UnknownLogLevelOrFormatIsRejected) {
  ExpectRejected({FreeListenFlag(), "--log.level=loud"}, {"loud"});
  ExpectRejected({FreeListenFlag(), "--log.format=xml"}, {"xml"});
}

TEST(ExporterBadInputTest, SynHookIsOneOfThreeAndTcNeedsOneNamespace) {
  ExpectRejected({FreeListenFlag(), "--probes.syn-hook=xdp"}, {"--probes.syn-hook", "xdp"});
  ExpectRejected({FreeListenFlag(), "--netns=all", "--probes.syn-hook=tc"},
                 {"--probes.syn-hook=tc", "--netns=all", "--probes.syn-hook=cgroup"});
}

TEST(ExporterBadInputTest, NetnsPathThatIsNotANetworkNamespaceIsRejected) {
  const std::string file = MakeTempFile("se-not-a-netns");
  ExpectRejected({FreeListenFlag(), "--netns=" + file}, {file, "network namespace"});
  ExpectRejected({FreeListenFlag(), "--netns=/proc/self/ns/mnt"},
                 {"/proc/self/ns/mnt", "network namespace"});
  unlink(file.c_str());
}

TEST(ExporterBadInputTest, MissingNetnsPathIsRejectedWithTheExpectedForm) {
  const std::string path = "/run/netns/se-missing-" + std::to_string(getpid());
  ExpectRejected({FreeListenFlag(), "--netns=" + path}, {path, "network namespace"});
}

TEST(ExporterBadInputTest, KernelWithoutBtfIsRejected) {
  // An empty sysfs has no kernel/btf/vmlinux, as on a kernel built without BTF.
  const std::string sysfs = MakeTempFile("se-empty-sysfs");
  unlink(sysfs.c_str());
  ASSERT_EQ(mkdir(sysfs.c_str(), 0755), 0);
  ExpectRejected({FreeListenFlag(), "--path.sysfs=" + sysfs}, {"BTF"});
  rmdir(sysfs.c_str());
}

TEST(ExporterBadInputTest, MissingPrivilegesNameTheCapabilities) {
  ASSERT_TRUE(InPath("setpriv")) << "setpriv (util-linux) is needed to drop privileges";
  ExpectRejected({FreeListenFlag()}, {"CAP_BPF", "CAP_PERFMON"},
                 {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
}

}  // namespace
}  // namespace se::test

namespace se::test {
namespace {

std::string ConfigWith(const std::string& text) {
  const std::string path = MakeTempFile("se-config");
  std::ofstream(path) << text;
  return path;
}

TEST(ExporterBadInputTest, BadConfigFileIsRejectedNamingTheKey) {
  const std::string bad = ConfigWith("syn_flood:\n  max_completion_ratio: 1.5\n");
  ExpectRejected({FreeListenFlag(), "--config.file=" + bad},
                 {"syn_flood.max_completion_ratio", "1.5"});
  const std::string unknown = ConfigWith("syn_flod:\n  tick: 1s\n");
  ExpectRejected({FreeListenFlag(), "--config.file=" + unknown}, {"syn_flod"});
  ExpectRejected({FreeListenFlag(), "--config.file=/nonexistent/se.yml"},
                 {"/nonexistent/se.yml", "No such file"});
  const std::string policy = ConfigWith("policy:\n  denied_sources: [\"10.0.0.1/8\"]\n");
  ExpectRejected({FreeListenFlag(), "--config.file=" + policy},
                 {"policy.denied_sources[0]", "did you mean 10.0.0.0/8"});
}

TEST(ExporterBadInputTest, UnwritableEventsFileIsRejected) {
  ExpectRejected({FreeListenFlag(), "--events.file=/nonexistent/dir/events.jsonl"},
                 {"--events.file=/nonexistent/dir/events.jsonl", "No such file"});
}

}  // namespace
}  // namespace se::test
