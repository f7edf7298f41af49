#include "inventory/inventory.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "inventory/netns_scope.h"

namespace se {
namespace {

ProcessTable ScanProc(const std::vector<uint64_t>& /*inodes*/) {
  return ProcessTable::Scan("/proc");
}

// A named network namespace (`ip netns add`) with lo up, deleted when the object dies.
class NamedNetns {
 public:
  explicit NamedNetns(const std::string& suffix)
      : name_("se-inv-" + std::to_string(getpid()) + suffix), path_("/run/netns/" + name_) {
    Run("ip netns del " + name_ + " 2>/dev/null");  // left over by a crashed run
    ok_ = Run("ip netns add " + name_) == 0 && Run("ip -n " + name_ + " link set lo up") == 0;
    fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  }
  ~NamedNetns() {
    if (fd_ >= 0) close(fd_);
    Run("ip netns del " + name_);
  }
  bool ok() const { return ok_ && fd_ >= 0; }
  const std::string& path() const { return path_; }

  // Runs fn on a thread that has entered the namespace; sockets it makes stay there.
  void RunInside(const std::function<void()>& fn) const {
    std::thread t([&] {
      ASSERT_EQ(setns(fd_, CLONE_NEWNET), 0);
      fn();
    });
    t.join();
  }

 private:
  static int Run(const std::string& cmd) { return std::system(cmd.c_str()); }
  std::string name_;
  std::string path_;
  bool ok_ = false;
  int fd_ = -1;
};

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

Fd Ipv4Socket(int type, uint16_t port, int backlog) {
  Fd s(socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(type == SOCK_STREAM ? INADDR_LOOPBACK : INADDR_ANY);
  EXPECT_EQ(bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  if (backlog > 0) {
    EXPECT_EQ(listen(s.fd, backlog), 0);
  }
  return s;
}

// v6_only == false with any_address makes a dual-stack listener that also takes IPv4 clients.
Fd Ipv6Listener(bool any_address, bool v6_only, int backlog) {
  Fd s(socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int flag = v6_only ? 1 : 0;
  setsockopt(s.fd, IPPROTO_IPV6, IPV6_V6ONLY, &flag, sizeof(flag));
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = any_address ? in6addr_any : in6addr_loopback;
  EXPECT_EQ(bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(listen(s.fd, backlog), 0);
  return s;
}

Fd Connect(uint16_t port) {
  Fd s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return s;
}

std::string OwnComm() {
  std::ifstream in("/proc/self/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

uint64_t InodeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The sockets the tests inventory, all inside one private namespace.
class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "needs root for network namespaces";
    ASSERT_TRUE(ns_.ok()) << "ip netns add failed";
    ns_.RunInside([this] {
      sockets_.push_back(Ipv4Socket(SOCK_STREAM, 0, 8));  // never accepts
      tcp_port_ = BoundPort(sockets_.back().fd);
      for (int i = 0; i < 3; ++i) sockets_.push_back(Connect(tcp_port_));
      sockets_.push_back(Ipv4Socket(SOCK_DGRAM, 0, 0));
      udp_port_ = BoundPort(sockets_.back().fd);
      sockets_.push_back(Ipv6Listener(false, true, 4));
      v6_port_ = BoundPort(sockets_.back().fd);
    });
    ASSERT_NE(tcp_port_, 0);
    ASSERT_NE(udp_port_, 0);
    ASSERT_NE(v6_port_, 0);
  }

  NamedNetns ns_{""};
  std::vector<Fd> sockets_;
  uint16_t tcp_port_ = 0;
  uint16_t udp_port_ = 0;
  uint16_t v6_port_ = 0;
};

TEST_F(InventoryTest, PathScopeSeesExactlyTheNamespacesSockets) {
  std::string error;
  auto scope = NetnsScope::Create(NetnsMode::kPath, ns_.path(), "/proc", &error);
  ASSERT_TRUE(scope) << error;
  EXPECT_EQ(scope->inode(), InodeOf(ns_.path()));
  const InventorySnapshot snap = TakeInventory(scope->Refresh(), ScanProc);
  ASSERT_TRUE(snap.ok) << snap.error;

  const std::string comm = OwnComm();
  std::vector<Listener> want = {
      {Protocol::kTcp, "127.0.0.1", tcp_port_, comm, 3, 8},
      {Protocol::kTcp, "::1", v6_port_, comm, 0, 4},
      {Protocol::kUdp, "0.0.0.0", udp_port_, comm, 0, 0},
  };
  std::sort(want.begin(), want.end());
  EXPECT_EQ(snap.listeners, want);
  const std::vector<EstablishedCount> established = {{Direction::kInbound, tcp_port_, 3},
                                                     {Direction::kOutbound, tcp_port_, 3}};
  EXPECT_EQ(snap.established, established);
}

TEST_F(InventoryTest, SelfScopeDoesNotSeeThePrivateNamespace) {
  std::string error;
  auto scope = NetnsScope::Create(NetnsMode::kSelf, "", "/proc", &error);
  ASSERT_TRUE(scope) << error;
  EXPECT_EQ(scope->inode(), InodeOf("/proc/self/ns/net"));
  const InventorySnapshot snap = TakeInventory(scope->Refresh(), ScanProc);
  ASSERT_TRUE(snap.ok) << snap.error;
  const std::string comm = OwnComm();
  for (const auto& l : snap.listeners) {
    EXPECT_FALSE(l.port == tcp_port_ && l.address == "127.0.0.1" && l.process == comm)
        << "listener of the private namespace seen in the root namespace";
  }
}

TEST_F(InventoryTest, AllScopeIncludesThePrivateNamespaceAndReusesItsSocket) {
  std::string error;
  auto scope = NetnsScope::Create(NetnsMode::kAll, "", "/proc", &error);
  ASSERT_TRUE(scope) << error;
  EXPECT_EQ(scope->inode(), 0u);
  auto find = [&](uint64_t inode) -> SockDiag* {
    for (const auto& ns : scope->Refresh().namespaces)
      if (ns.inode == inode) return ns.diag;
    return nullptr;
  };
  SockDiag* first = find(InodeOf(ns_.path()));
  ASSERT_NE(first, nullptr);
  EXPECT_NE(find(InodeOf("/proc/self/ns/net")), nullptr);

  const InventorySnapshot snap = TakeInventory(scope->Refresh(), ScanProc);
  ASSERT_TRUE(snap.ok) << snap.error;
  const Listener mine{Protocol::kTcp, "127.0.0.1", tcp_port_, OwnComm(), 3, 8};
  EXPECT_NE(std::find(snap.listeners.begin(), snap.listeners.end(), mine), snap.listeners.end());
  EXPECT_EQ(find(InodeOf(ns_.path())), first) << "socket reopened for a known namespace";
}

TEST(InventoryDualStack, V4MappedConnectionsOfADualStackListenerCountAsInbound) {
  NamedNetns ns("-dual");
  ASSERT_TRUE(ns.ok());
  std::vector<Fd> sockets;
  uint16_t port = 0;
  ns.RunInside([&] {
    sockets.push_back(Ipv6Listener(true, false, 4));
    port = BoundPort(sockets.back().fd);
    for (int i = 0; i < 2; ++i) sockets.push_back(Connect(port));  // IPv4 clients
  });
  std::string error;
  auto scope = NetnsScope::Create(NetnsMode::kPath, ns.path(), "/proc", &error);
  ASSERT_TRUE(scope) << error;
  const InventorySnapshot snap = TakeInventory(scope->Refresh(), ScanProc);
  ASSERT_TRUE(snap.ok) << snap.error;
  EXPECT_EQ(snap.listeners, (std::vector<Listener>{{Protocol::kTcp, "::", port, OwnComm(), 2, 4}}));
  // Server sides are AF_INET6 (::ffff:127.0.0.1) sockets, client sides AF_INET ones.
  const std::vector<EstablishedCount> established = {{Direction::kInbound, port, 2},
                                                     {Direction::kOutbound, port, 2}};
  EXPECT_EQ(snap.established, established);
}

TEST(NetnsScopeAll, DropsANamespaceThatVanished) {
  std::string error;
  auto scope = NetnsScope::Create(NetnsMode::kAll, "", "/proc", &error);
  ASSERT_TRUE(scope) << error;
  auto has = [&](uint64_t inode) {
    for (const auto& ns : scope->Refresh().namespaces)
      if (ns.inode == inode) return true;
    return false;
  };
  uint64_t inode = 0;
  {
    NamedNetns gone("-gone");
    ASSERT_TRUE(gone.ok());
    inode = InodeOf(gone.path());
    ASSERT_EQ(scope->Refresh().error, "");
    EXPECT_TRUE(has(inode));
  }
  ASSERT_EQ(scope->Refresh().error, "");
  EXPECT_FALSE(has(inode));
}

TEST(NetnsScopeCreate, MissingPathNamesTheFlagAndErrno) {
  const std::string path = "/nonexistent/se-inv-" + std::to_string(getpid());
  std::string error;
  EXPECT_EQ(NetnsScope::Create(NetnsMode::kPath, path, "/proc", &error), nullptr);
  EXPECT_EQ(error, "--netns=" + path +
                       ": No such file or directory (expected a network namespace such as "
                       "/proc/PID/ns/net or /run/netns/NAME)");
}

TEST(NetnsScopeCreate, RegularFileIsNotANetworkNamespace) {
  char path[] = "/tmp/se-inv-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::string error;
  EXPECT_EQ(NetnsScope::Create(NetnsMode::kPath, path, "/proc", &error), nullptr);
  unlink(path);
  EXPECT_EQ(error, std::string("--netns=") + path +
                       ": not a network namespace (expected /proc/PID/ns/net or /run/netns/NAME)");
}

TEST(NetnsScopeCreate, OtherNamespaceTypeIsRejected) {
  std::string error;
  EXPECT_EQ(NetnsScope::Create(NetnsMode::kPath, "/proc/self/ns/uts", "/proc", &error), nullptr);
  EXPECT_NE(error.find("not a network namespace"), std::string::npos) << error;
}

}  // namespace
}  // namespace se

namespace se {
namespace {

void WriteSysctl(const std::string& name, const std::string& value) {
  std::ofstream(std::string("/proc/sys/net/ipv4/") + name) << value;
}

// The SYN queue bound follows the namespace's sysctls as they change, read through files kept
// open since the namespace was first seen.
TEST(InventorySynQueue, SynLimitFollowsTheNamespacesSysctls) {
  NamedNetns ns("-synq");
  ASSERT_TRUE(ns.ok());
  std::vector<Fd> listener;
  ns.RunInside([&] {
    WriteSysctl("tcp_max_syn_backlog", "64");
    WriteSysctl("tcp_syncookies", "0");
    listener.push_back(Ipv6Listener(false, false, 256));
  });
  std::string error;
  auto scope = NetnsScope::Create(NetnsMode::kPath, ns.path(), "/proc", &error);
  ASSERT_TRUE(scope) << error;
  InventorySnapshot snap = TakeInventory(scope->Refresh(), ScanProc);
  ASSERT_TRUE(snap.ok) << snap.error;
  ASSERT_EQ(snap.listeners.size(), 1u);
  EXPECT_EQ(snap.listeners[0].accept_limit, 256u);
  EXPECT_EQ(snap.listeners[0].syn_limit, 48u);  // without cookies: 3/4 of 64

  ns.RunInside([] { WriteSysctl("tcp_syncookies", "1"); });
  snap = TakeInventory(scope->Refresh(), ScanProc);
  ASSERT_EQ(snap.listeners.size(), 1u);
  EXPECT_EQ(snap.listeners[0].syn_limit, 256u);  // with cookies: the listen backlog
}

}  // namespace
}  // namespace se
