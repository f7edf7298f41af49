// TcpEventsProbe: the policy maps and the rare-event ring buffer.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "net/ip_address.h"
#include "probes/tcp_events_probe.h"
#include "tcp_events.skel.h"

namespace se {
namespace {

se_lpm_key LpmKey(const Cidr& c) {
  se_lpm_key key{};
  if (c.family == AF_INET) {
    const std::array<uint8_t, 16> mapped = V4Mapped(c.addr.data());
    std::memcpy(key.addr, mapped.data(), mapped.size());
    key.prefixlen = 96u + c.prefix;
  } else {
    std::memcpy(key.addr, c.addr.data(), 16);
    key.prefixlen = c.prefix;
  }
  return key;
}

// Replaces the trie's contents with cidrs: adds the new entries, then deletes stale ones, so a
// reload never leaves a moment with neither the old nor the new rule.
bool FillTrie(int fd, const std::vector<Cidr>& cidrs, std::string* error) {
  std::vector<se_lpm_key> wanted;
  const uint8_t one = 1;
  for (const Cidr& c : cidrs) {
    wanted.push_back(LpmKey(c));
    if (bpf_map_update_elem(fd, &wanted.back(), &one, BPF_ANY) != 0) {
      *error = std::string("updating a CIDR map: ") + std::strerror(errno);
      return false;
    }
  }
  std::vector<se_lpm_key> stale;
  se_lpm_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    const bool keep = std::any_of(wanted.begin(), wanted.end(), [&](const se_lpm_key& w) {
      return std::memcmp(&w, &next, sizeof(w)) == 0;
    });
    if (!keep) stale.push_back(next);
    key = next;
    prev = &key;
  }
  for (const se_lpm_key& k : stale) bpf_map_delete_elem(fd, &k);
  return true;
}

// Writes 1 for the ports in `allowed`, 0 for the others, into a 65536-entry array map.
bool FillPorts(int fd, const std::vector<PortRange>& allowed, std::string* error) {
  std::vector<uint8_t> values(SE_PORT_COUNT, 0);
  for (const PortRange& r : allowed)
    for (uint32_t p = r.first; p <= r.last; ++p) values[p] = 1;
  std::vector<uint32_t> keys(SE_PORT_COUNT);
  for (uint32_t port = 0; port < SE_PORT_COUNT; ++port) keys[port] = port;
  uint32_t count = SE_PORT_COUNT;  // one syscall for the whole table
  if (bpf_map_update_batch(fd, keys.data(), values.data(), &count, nullptr) != 0 ||
      count != SE_PORT_COUNT) {
    *error = std::string("updating a port map: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace

bool TcpEventsProbe::SetPolicy(const PolicyConfig& policy, std::string* error) {
  // Rules off first, tables next, then the new flags: a rule is never on with a half table.
  const uint32_t zero = 0;
  uint32_t flags = 0;
  const int flags_fd = bpf_map__fd(skel_->maps.policy_flags);
  if (bpf_map_update_elem(flags_fd, &zero, &flags, BPF_ANY) != 0 ||
      !FillTrie(bpf_map__fd(skel_->maps.deny_src), policy.denied_sources, error) ||
      !FillTrie(bpf_map__fd(skel_->maps.deny_dst), policy.denied_destinations, error) ||
      !FillPorts(bpf_map__fd(skel_->maps.egress_allowed), policy.allowed_egress_ports, error) ||
      !FillPorts(bpf_map__fd(skel_->maps.listen_allowed), policy.allowed_listen_ports, error)) {
    if (error->empty()) *error = std::string("updating policy flags: ") + std::strerror(errno);
    return false;
  }
  if (!policy.denied_sources.empty()) flags |= SE_POLICY_DENY_SRC;
  if (!policy.denied_destinations.empty()) flags |= SE_POLICY_DENY_DST;
  if (!policy.allowed_egress_ports.empty()) flags |= SE_POLICY_EGRESS;
  if (!policy.allowed_listen_ports.empty()) flags |= SE_POLICY_LISTEN;
  if (bpf_map_update_elem(flags_fd, &zero, &flags, BPF_ANY) != 0) {
    *error = std::string("updating policy flags: ") + std::strerror(errno);
    return false;
  }
  return true;
}

int TcpEventsProbe::events_fd() const { return bpf_map__fd(skel_->maps.events); }

int TcpEventsProbe::policy_flags_fd() const { return bpf_map__fd(skel_->maps.policy_flags); }

uint64_t TcpEventsProbe::EventsLost() const {
  std::vector<uint64_t> per_cpu(num_cpus_, 0);
  const uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.events_lost), &zero, per_cpu.data()) != 0)
    return 0;
  uint64_t sum = 0;
  for (uint64_t v : per_cpu) sum += v;
  return sum;
}

}  // namespace se
