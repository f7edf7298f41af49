#include "parsers/sock_diag_parse.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parsers/process_table.h"

namespace se {
namespace {

using Bytes = std::vector<uint8_t>;

// Appends one netlink message; len_override lets a test lie about nlmsg_len.
void AppendMessage(Bytes* buf, uint16_t type, uint16_t flags, const Bytes& payload,
                   int64_t len_override = -1) {
  nlmsghdr h{};
  h.nlmsg_len = len_override >= 0 ? static_cast<uint32_t>(len_override)
                                  : static_cast<uint32_t>(NLMSG_HDRLEN + payload.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  const auto* p = reinterpret_cast<const uint8_t*>(&h);
  buf->insert(buf->end(), p, p + sizeof(h));
  buf->insert(buf->end(), payload.begin(), payload.end());
  buf->resize(NLMSG_ALIGN(buf->size()));
}

Bytes IntPayload(int32_t v) {
  Bytes b(sizeof(v));
  std::memcpy(b.data(), &v, sizeof(v));
  return b;
}

Bytes ErrorPayload(int32_t err) {
  Bytes b(sizeof(nlmsgerr), 0);
  std::memcpy(b.data(), &err, sizeof(err));
  return b;
}

// An inet_diag_msg written byte by byte at the kernel ABI's offsets.
Bytes DiagPayload(uint8_t family, uint8_t state, const Bytes& src, uint16_t sport, const Bytes& dst,
                  uint16_t dport, uint32_t rq, uint32_t wq, uint32_t inode) {
  Bytes b(72, 0);
  b[0] = family;
  b[1] = state;
  b[4] = sport >> 8;  // idiag_sport, network order
  b[5] = sport & 0xff;
  b[6] = dport >> 8;
  b[7] = dport & 0xff;
  std::copy(src.begin(), src.end(), b.begin() + 8);   // idiag_src
  std::copy(dst.begin(), dst.end(), b.begin() + 24);  // idiag_dst
  std::memcpy(&b[56], &rq, 4);
  std::memcpy(&b[60], &wq, 4);
  std::memcpy(&b[68], &inode, 4);
  return b;
}

const Bytes kV4Any = {0, 0, 0, 0};
const Bytes kV4Loopback = {127, 0, 0, 1};
const Bytes kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
const Bytes kV6Mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};

struct ParseCase {
  std::string name;
  Bytes buf;
  bool ok;
  bool done;
  std::string error_part;            // substring of the error when !ok
  std::vector<std::string> records;  // Describe() of each expected record
};

std::string Describe(const SocketRecord& r) {
  return FormatAddress(r.family, r.local_addr) + "|" + std::to_string(r.local_port) + ">" +
         FormatAddress(r.family, r.remote_addr) + "|" + std::to_string(r.remote_port) + "|" +
         std::to_string(r.state) + "|" + std::to_string(r.rqueue) + "|" + std::to_string(r.wqueue) +
         "|" + std::to_string(r.inode);
}

std::vector<ParseCase> Cases() {
  std::vector<ParseCase> cases;
  auto add = [&](std::string name, Bytes buf, bool ok, bool done, std::string err,
                 std::vector<std::string> recs) {
    cases.push_back({std::move(name), std::move(buf), ok, done, std::move(err), std::move(recs)});
  };
  Bytes b;
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
                DiagPayload(AF_INET, 10, kV4Any, 8080, kV4Any, 0, 3, 8, 1234));
  AppendMessage(&b, NLMSG_DONE, NLM_F_MULTI, IntPayload(0));
  add("V4ListenerThenDone", b, true, true, "", {"0.0.0.0|8080>0.0.0.0|0|10|3|8|1234"});
  b.clear();
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
                DiagPayload(AF_INET6, 1, kV6Loopback, 443, kV6Loopback, 50000, 0, 0, 77));
  add("V6EstablishedWithoutDoneNeedsMore", b, true, false, "", {"::1|443>::1|50000|1|0|0|77"});
  b.clear();
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
                DiagPayload(AF_INET6, 1, kV6Mapped, 80, kV6Mapped, 40000, 0, 0, 5));
  add("V4MappedKeptAsIpv6", b, true, false, "",
      {"::ffff:127.0.0.1|80>::ffff:127.0.0.1|40000|1|0|0|5"});
  b.clear();
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
                DiagPayload(AF_INET, 7, kV4Loopback, 53, kV4Any, 0, 0, 0, 1));
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
                DiagPayload(AF_INET, 7, kV4Any, 5353, kV4Any, 0, 0, 0, 2));
  AppendMessage(&b, NLMSG_DONE, NLM_F_MULTI, IntPayload(0));
  add("MultiPartTwoRecords", b, true, true, "",
      {"127.0.0.1|53>0.0.0.0|0|7|0|0|1", "0.0.0.0|5353>0.0.0.0|0|7|0|0|2"});
  b.clear();
  AppendMessage(&b, NLMSG_DONE, NLM_F_MULTI, IntPayload(0));
  add("DoneOnly", b, true, true, "", {});
  b.clear();
  AppendMessage(&b, NLMSG_DONE, NLM_F_MULTI, {});
  add("DoneWithoutStatus", b, true, true, "", {});
  b.clear();
  AppendMessage(&b, NLMSG_DONE, NLM_F_MULTI, IntPayload(-ENOBUFS));
  add("DoneCarryingError", b, false, false, std::strerror(ENOBUFS), {});
  b.clear();
  AppendMessage(&b, NLMSG_ERROR, 0, ErrorPayload(-EPERM));
  add("ErrorMessage", b, false, false, std::strerror(EPERM), {});
  b.clear();
  AppendMessage(&b, NLMSG_ERROR, 0, ErrorPayload(0));
  add("AckIsNotAnError", b, true, false, "", {});
  b.clear();
  AppendMessage(&b, NLMSG_ERROR, 0, {1, 2});
  add("TruncatedError", b, false, false, "truncated", {});
  add("Empty", {}, true, false, "", {});
  add("TruncatedHeader", Bytes(10, 0), false, false, "truncated netlink header", {});
  b.clear();
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, 0,
                DiagPayload(AF_INET, 10, kV4Any, 1, kV4Any, 0, 0, 0, 1));
  b.resize(50);
  add("TruncatedMessage", b, false, false, "truncated netlink message", {});
  b.clear();
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, 0, Bytes(20, 0));
  add("ShortInetDiagPayload", b, false, false, "truncated inet_diag", {});
  b.clear();
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, 0, Bytes(4, 0), 0);
  add("ZeroLengthDoesNotLoop", b, false, false, "truncated netlink message", {});
  b.clear();
  AppendMessage(&b, NLMSG_NOOP, 0, {});
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI,
                DiagPayload(AF_INET, 10, kV4Loopback, 22, kV4Any, 0, 0, 128, 9));
  add("NoopSkipped", b, true, false, "", {"127.0.0.1|22>0.0.0.0|0|10|0|128|9"});
  return cases;
}

// Names the case instead of dumping its bytes in test listings.
void PrintTo(const ParseCase& c, std::ostream* os) { *os << c.name; }

class ParseInetDiagDumpTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseInetDiagDumpTest, MatchesExpectedRecordsAndStatus) {
  const ParseCase& c = GetParam();
  std::vector<SocketRecord> out;
  const ParseStatus s = ParseInetDiagDump(c.buf.data(), c.buf.size(), Protocol::kUdp, &out);
  EXPECT_EQ(s.ok, c.ok) << s.error;
  EXPECT_EQ(s.done, c.done);
  if (!c.ok) {
    EXPECT_NE(s.error.find(c.error_part), std::string::npos) << s.error;
  }
  std::vector<std::string> got;
  for (const auto& r : out) {
    EXPECT_EQ(r.protocol, Protocol::kUdp);
    got.push_back(Describe(r));
  }
  EXPECT_EQ(got, c.records);
}

INSTANTIATE_TEST_SUITE_P(Buffers, ParseInetDiagDumpTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(ParseInetDiagDump, RecordsMatchTheKernelStructLayout) {
  inet_diag_msg m{};
  m.idiag_family = AF_INET;
  m.idiag_state = 10;
  m.id.idiag_sport = htons(9090);
  m.id.idiag_src[0] = htonl(0x0a000001);
  m.idiag_rqueue = 4;
  m.idiag_wqueue = 511;
  m.idiag_inode = 0xfffffffe;
  Bytes payload(sizeof(m));
  std::memcpy(payload.data(), &m, sizeof(m));
  Bytes b;
  AppendMessage(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, payload);
  std::vector<SocketRecord> out;
  ASSERT_TRUE(ParseInetDiagDump(b.data(), b.size(), Protocol::kTcp, &out).ok);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Describe(out[0]), "10.0.0.1|9090>0.0.0.0|0|10|4|511|4294967294");
}

// Found by tests/fuzz: negating INT32_MIN to look up the errno was undefined behaviour.
TEST(ParseInetDiagDump, MostNegativeStatusIsAnUnknownError) {
  for (const uint16_t type : {uint16_t{NLMSG_ERROR}, uint16_t{NLMSG_DONE}}) {
    Bytes b;
    AppendMessage(&b, type, NLM_F_MULTI,
                  type == NLMSG_ERROR ? ErrorPayload(INT32_MIN) : IntPayload(INT32_MIN));
    std::vector<SocketRecord> out;
    const ParseStatus s = ParseInetDiagDump(b.data(), b.size(), Protocol::kTcp, &out);
    EXPECT_FALSE(s.ok);
    EXPECT_EQ(s.error, "sock_diag dump failed: unknown error");
    EXPECT_TRUE(out.empty());
  }
}

TEST(FormatAddress, UnknownFamilyIsEmpty) {
  EXPECT_EQ(FormatAddress(0, {}), "");
  EXPECT_EQ(FormatAddress(AF_INET6, {}), "::");
}

TEST(ParseSocketLink, AcceptsOnlySocketTargets) {
  auto parse = [](const std::string& s) { return ParseSocketLink(s.data(), s.size()); };
  EXPECT_EQ(parse("socket:[12345]"), 12345u);
  EXPECT_EQ(parse("socket:[]"), 0u);
  EXPECT_EQ(parse("socket:[12a]"), 0u);
  EXPECT_EQ(parse("socket:[123"), 0u);
  EXPECT_EQ(parse("pipe:[12345]"), 0u);
  EXPECT_EQ(parse("/dev/null"), 0u);
}

// A hand-made procfs: pid dirs with fd symlinks and comm files.
class FakeProcfs {
 public:
  FakeProcfs() {
    char tmpl[] = "/tmp/se-procfs-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~FakeProcfs() { std::filesystem::remove_all(root_); }
  void AddProcess(const std::string& pid, const std::string& comm,
                  const std::vector<std::string>& fd_targets) {
    std::filesystem::create_directories(root_ + "/" + pid + "/fd");
    std::ofstream(root_ + "/" + pid + "/comm") << comm << "\n";
    for (size_t i = 0; i < fd_targets.size(); ++i)
      std::filesystem::create_symlink(fd_targets[i],
                                      root_ + "/" + pid + "/fd/" + std::to_string(i));
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

TEST(ProcessTable, MapsSocketInodesToTheLowestPidsCommand) {
  FakeProcfs proc;
  proc.AddProcess("1200", "worker", {"socket:[555]", "/dev/null", "socket:[777]"});
  proc.AddProcess("45", "master", {"pipe:[9]", "socket:[555]"});
  proc.AddProcess("self", "ignored", {"socket:[999]"});
  std::filesystem::create_directories(proc.root() + "/77/fd");  // exited: no comm, no fds
  const ProcessTable table = ProcessTable::Scan(proc.root());
  EXPECT_EQ(table.CommandFor(555), "master");
  EXPECT_EQ(table.CommandFor(777), "worker");
  EXPECT_EQ(table.CommandFor(999), "");
  EXPECT_EQ(table.CommandFor(1), "");
  EXPECT_EQ(table.size(), 2u);
}

TEST(ProcessTable, MissingProcfsIsEmpty) {
  EXPECT_EQ(ProcessTable::Scan("/nonexistent-procfs").size(), 0u);
}

}  // namespace
}  // namespace se
