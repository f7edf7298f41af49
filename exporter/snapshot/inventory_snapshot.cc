#include "snapshot/inventory_snapshot.h"

#include <algorithm>
#include <tuple>

namespace se {
namespace {

auto Key(const Listener& l) {
  return std::tie(l.protocol, l.address, l.port, l.process, l.accept_queue, l.accept_limit);
}

}  // namespace

bool Listener::operator==(const Listener& o) const { return Key(*this) == Key(o); }
bool Listener::operator<(const Listener& o) const { return Key(*this) < Key(o); }

bool EstablishedCount::operator==(const EstablishedCount& o) const {
  return dir == o.dir && port == o.port && count == o.count;
}

Direction ClassifyEstablished(const SocketRecord& socket,
                              const std::unordered_set<uint16_t>& tcp_listen_ports) {
  return tcp_listen_ports.count(socket.local_port) ? Direction::kInbound : Direction::kOutbound;
}

void CountEstablished(const std::vector<SocketRecord>& established,
                      const std::vector<SocketRecord>& tcp_listeners,
                      std::vector<EstablishedCount>* counts) {
  std::unordered_set<uint16_t> listen_ports;
  for (const auto& l : tcp_listeners) listen_ports.insert(l.local_port);
  for (const auto& s : established) {
    const Direction dir = ClassifyEstablished(s, listen_ports);
    const uint16_t port = dir == Direction::kInbound ? s.local_port : s.remote_port;
    auto it = std::find_if(counts->begin(), counts->end(), [&](const EstablishedCount& c) {
      return c.dir == dir && c.port == port;
    });
    if (it == counts->end()) {
      counts->push_back({dir, port, 1});
    } else {
      ++it->count;
    }
  }
}

void CountHalfOpen(const std::vector<SocketRecord>& requests, std::vector<HalfOpenCount>* counts) {
  for (const auto& r : requests) {
    auto it = std::find_if(counts->begin(), counts->end(),
                           [&](const HalfOpenCount& c) { return c.port == r.local_port; });
    if (it == counts->end()) {
      counts->push_back({r.local_port, 1});
    } else {
      ++it->count;
    }
  }
}

void SortSnapshot(InventorySnapshot* snap) {
  std::sort(snap->listeners.begin(), snap->listeners.end());
  std::sort(snap->half_open.begin(), snap->half_open.end(),
            [](const HalfOpenCount& a, const HalfOpenCount& b) { return a.port < b.port; });
  std::sort(snap->established.begin(), snap->established.end(),
            [](const EstablishedCount& a, const EstablishedCount& b) {
              return std::tie(a.dir, a.port) < std::tie(b.dir, b.port);
            });
}

}  // namespace se
