// A private network namespace per test, so exact counts see only the test's own traffic.
#ifndef SE_TEST_HARNESS_NETNS_H_
#define SE_TEST_HARNESS_NETNS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace se::test {

// Creates `ip netns add se-<tag>-<pid>-<n>` with lo up; deletes it on destruction.
class Netns {
 public:
  explicit Netns(const std::string& tag);  // throws std::runtime_error on failure
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;

  const std::string& Name() const { return name_; }
  std::string Path() const { return "/run/netns/" + name_; }
  uint64_t Inode() const;

  // Runs fn on a fresh thread that has joined this namespace, and waits for it. Sockets created
  // by fn stay in the namespace and may be used from any thread afterwards. Exceptions thrown by
  // fn are rethrown here.
  void RunIn(const std::function<void()>& fn) const;

  // Runs `ip -n NAME args...`; throws std::runtime_error with ip's message if it fails.
  void Ip(const std::vector<std::string>& args) const;

  // Runs `ip netns exec NAME sysctl -qw key=value`; throws on failure.
  void Sysctl(const std::string& key, const std::string& value) const;

 private:
  std::string name_;
};

// Addresses of a veth link between two test namespaces.
struct VethLink {
  static constexpr char kServer4[] = "10.200.0.1";
  static constexpr char kClient4[] = "10.200.0.2";
  static constexpr char kServer6[] = "fd00:200::1";
  static constexpr char kClient6[] = "fd00:200::2";
};

// Joins server and client by a veth pair ("se0" in each) carrying 10.200.0.0/24 and
// fd00:200::/64 (no DAD). The server's default routes point at the client, which does not
// forward: replies to spoofed sources cross the link and die there unanswered. Throws on
// failure.
void LinkByVeth(const Netns& server, const Netns& client);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_NETNS_H_
