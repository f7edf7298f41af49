#pragma once

#include <cstdint>

namespace se {

// The TCP sysctls of one network namespace that bound a listener's SYN queue.
struct SynQueueSysctlValues {
  uint32_t max_syn_backlog = 0;  // net.ipv4.tcp_max_syn_backlog
  uint32_t syncookies = 1;       // net.ipv4.tcp_syncookies
};

// How many request sockets a listener's SYN queue holds before the kernel answers with SYN
// cookies or drops: the listen() backlog, and without cookies also 3/4 of tcp_max_syn_backlog
// (tcp_conn_request drops once fewer than a quarter of it is left).
uint32_t SynQueueLimit(uint32_t accept_limit, const SynQueueSysctlValues& sysctls);

}  // namespace se
