#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "net/protocol.h"
#include "parsers/sock_diag_parse.h"

namespace se {

enum class Direction { kInbound, kOutbound };

// A listening socket: TCP in LISTEN, or an unconnected UDP socket bound to a port.
struct Listener {
  Protocol protocol = Protocol::kTcp;
  std::string address;  // text form: "0.0.0.0", "::", "127.0.0.1", "::ffff:10.0.0.1"
  uint16_t port = 0;
  std::string process;        // command name of the owner, "" if unknown
  uint32_t accept_queue = 0;  // tcp only: connections waiting for accept()
  uint32_t accept_limit = 0;  // tcp only: the backlog the kernel enforces
  uint32_t drops = 0;         // tcp only: the listener's drop counter (full queues)
  uint32_t syn_limit = 0;     // tcp only: request sockets before cookies or drops
  uint32_t receive_queue = 0;  // udp only: bytes (memory) in the receive queue
  uint32_t receive_limit = 0;  // udp only: the receive buffer (SO_RCVBUF) it may fill
  uint64_t inode = 0;         // the socket's inode: unique among live sockets

  bool operator==(const Listener& o) const;
  bool operator<(const Listener& o) const;
};

// Established TCP connections by direction and service port.
struct EstablishedCount {
  Direction dir = Direction::kInbound;
  uint16_t port = 0;  // local port if inbound, remote port if outbound
  uint64_t count = 0;

  bool operator==(const EstablishedCount& o) const;
};

// Request sockets in SYN_RECV (half-open handshakes) by listening port.
struct HalfOpenCount {
  uint16_t port = 0;
  uint64_t count = 0;
  bool operator==(const HalfOpenCount& o) const { return port == o.port && count == o.count; }
};

// The kernel's socket tables of every namespace in scope, read once by a scrape or a tick.
struct InventorySnapshot {
  std::vector<Listener> listeners;            // sorted
  std::vector<EstablishedCount> established;  // sorted by direction, then port
  std::vector<HalfOpenCount> half_open;       // sorted by port
  bool ok = false;
  std::string error;  // one line when !ok
};

// Inbound if the local port is a TCP listening port of the same namespace, else outbound.
Direction ClassifyEstablished(const SocketRecord& socket,
                              const std::unordered_set<uint16_t>& tcp_listen_ports);

// Counts one namespace's established TCP sockets into *counts (merged by direction and port).
void CountEstablished(const std::vector<SocketRecord>& established,
                      const std::vector<SocketRecord>& tcp_listeners,
                      std::vector<EstablishedCount>* counts);

// Counts request sockets (SYN_RECV) into *counts by listening port.
void CountHalfOpen(const std::vector<SocketRecord>& requests, std::vector<HalfOpenCount>* counts);

// Puts a snapshot's vectors in their documented order.
void SortSnapshot(InventorySnapshot* snapshot);

}  // namespace se
