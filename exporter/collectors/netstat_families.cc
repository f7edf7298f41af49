#include "collectors/netstat_families.h"

#include "collectors/families.h"

namespace se {

using prometheus::MetricFamily;
using prometheus::MetricType;

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

CollectorResult CollectNetstat(const NetstatReading& reading) {
  if (!reading.error.empty()) return Failed(reading.error);
  return Succeeded(BuildNetstatFamilies(reading.counters));
}

}  // namespace se
