#include "collectors/netstat_collector.h"

#include "collectors/families.h"
#include "inventory/netns_scope.h"
#include "inventory/netstat.h"
#include "logging/log.h"

namespace se {

using prometheus::MetricFamily;
using prometheus::MetricType;

void AddNetstat(const std::map<std::string, uint64_t>& parsed, NetstatCounters* sum) {
  auto get = [&](const char* key) {
    const auto it = parsed.find(key);
    return it == parsed.end() ? 0 : it->second;
  };
  sum->syncookies_sent += get("TcpExt.SyncookiesSent");
  sum->syncookies_failed += get("TcpExt.SyncookiesFailed");
  sum->listen_overflows += get("TcpExt.ListenOverflows");
}

std::vector<MetricFamily> BuildNetstatFamilies(const NetstatCounters& c) {
  auto sent = MakeFamily("socket_tcp_syncookies_sent_total",
                         "SYN cookies sent by listeners in scope (TcpExt SyncookiesSent).",
                         MetricType::Counter);
  auto failed = MakeFamily("socket_tcp_syncookies_failed_total",
                           "ACKs with an invalid SYN cookie received in scope (TcpExt "
                           "SyncookiesFailed).",
                           MetricType::Counter);
  auto overflows = MakeFamily("socket_tcp_listen_overflows_total",
                              "Times a listener's accept queue was full in scope (TcpExt "
                              "ListenOverflows).",
                              MetricType::Counter);
  AddCounter(&sent, {}, static_cast<double>(c.syncookies_sent));
  AddCounter(&failed, {}, static_cast<double>(c.syncookies_failed));
  AddCounter(&overflows, {}, static_cast<double>(c.listen_overflows));
  return {sent, failed, overflows};
}

std::vector<MetricFamily> NetstatCollector::Collect() const {
  NetstatCounters sum;
  for (const NetnsHandle& ns : scope_->namespaces()) {
    std::string text, error;
    if (!ReadNetstat(ns.fd, &text, &error)) {
      last_ok_.store(false);
      log::Warn("reading netstat failed", {{"netns", std::to_string(ns.inode)}, {"err", error}});
      return {};
    }
    AddNetstat(ParseNetstat(text), &sum);
  }
  last_ok_.store(true);
  return BuildNetstatFamilies(sum);
}

}  // namespace se
