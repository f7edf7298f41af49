#include "live/api_json.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace se {
namespace {

using nlohmann::json;

// The label values of the metrics (collectors/tcp_counters.cc, udp_families.cc).
const char* const kFailureReasons[SE_FAIL_COUNT] = {"refused", "timeout", "unreachable", "other"};
const char* const kDropReasons[SE_UDP_DROP_COUNT] = {"receive_buffer", "memory", "checksum",
                                                     "other"};

// Rates to a thousandth: more digits are noise of the float and the interval.
double Round(float rate) { return std::round(static_cast<double>(rate) * 1000) / 1000; }

template <typename T, typename Convert>
json ByDropReason(const T (&values)[SE_UDP_DROP_COUNT], Convert convert) {
  json out = json::object();
  for (int r = 0; r < SE_UDP_DROP_COUNT; ++r) out[kDropReasons[r]] = convert(values[r]);
  return out;
}

using RateList = std::vector<std::pair<const char*, float>>;

// The TCP rates, named as the "rates" of /api/v1/ports name them.
RateList TcpRates(const PortRates& r) {
  return {{"connects", r.connects},
          {"accepts", r.accepts},
          {"connect_failures", r.connect_failures},
          {"resets_sent", r.resets_sent},
          {"resets_received", r.resets_received},
          {"syns_received", r.syns_received},
          {"retransmitted_segments", r.retransmitted_segments},
          {"sent_segments", r.sent_segments}};
}

// The UDP rates but drops, named as the "udp" section's "rates" name them.
RateList UdpRates(const PortRates& r) {
  return {{"received_datagrams", r.udp_received_datagrams},
          {"received_bytes", r.udp_received_bytes},
          {"sent_datagrams", r.udp_sent_datagrams},
          {"sent_bytes", r.udp_sent_bytes},
          {"no_socket", r.udp_no_socket}};
}

json Rounded(const RateList& rates) {
  json out = json::object();
  for (const auto& [name, value] : rates) out[name] = Round(value);
  return out;
}

// Retransmitted over sent segments of the interval, to a millionth; null without sent segments.
json RetransmitRatio(const PortRates& r) {
  if (!(r.sent_segments > 0)) return nullptr;
  const double ratio = static_cast<double>(r.retransmitted_segments) / r.sent_segments;
  return std::round(ratio * 1e6) / 1e6;
}

json Udp(const PortView& v) {
  const RateTotals t = TotalsOf(v.counters);
  const PortGauges& g = v.gauges;
  json rates = Rounded(UdpRates(v.rates));
  rates["drops"] = ByDropReason(v.rates.udp_drops, Round);
  return {{"received_datagrams", t.udp_received_datagrams},
          {"received_bytes", t.udp_received_bytes},
          {"sent_datagrams", t.udp_sent_datagrams},
          {"sent_bytes", t.udp_sent_bytes},
          {"drops", ByDropReason(t.udp_drops, [](uint64_t n) { return n; })},
          {"no_socket", t.udp_no_socket},
          {"bound", g.udp_socket},
          {"receive_queue_bytes", g.udp_receive_queue},
          {"receive_queue_limit_bytes", g.udp_receive_limit},
          {"rates", rates}};
}

json Protocols(const PortView& v) {
  json out = json::array();
  if (v.tcp) out.push_back("tcp");
  if (v.udp) out.push_back("udp");
  return out;
}

json Port(const PortView& v) {
  const se_port_counters& c = v.counters;
  const RateTotals t = TotalsOf(c);
  json failures = json::object();
  for (int r = 0; r < SE_FAIL_COUNT; ++r) failures[kFailureReasons[r]] = c.connect_failures[r];
  uint64_t sent = 0, received = 0;
  for (int d = 0; d < SE_DIR_COUNT; ++d) {
    sent += c.bytes_sent[d];
    received += c.bytes_received[d];
  }
  const PortGauges& g = v.gauges;
  return {{"port", v.port},
          {"protocols", Protocols(v)},
          {"connects", t.connects},
          {"accepts", t.accepts},
          {"connect_failures", failures},
          {"resets_sent", t.resets_sent},
          {"resets_received", t.resets_received},
          {"syns_received", t.syns_received},
          {"synack_retransmits", c.synack_retransmits},
          {"listen_drops", g.listen_drops},
          {"sent_bytes", sent},
          {"received_bytes", received},
          {"retransmitted_segments", t.retransmitted_segments},
          {"sent_segments", t.sent_segments},
          {"established", {{"inbound", g.established[0]}, {"outbound", g.established[1]}}},
          {"accept_queue_length", g.accept_queue_length},
          {"accept_queue_limit", g.accept_queue_limit},
          {"half_open", g.half_open},
          {"rates", Rounded(TcpRates(v.rates))},
          {"retransmit_ratio", RetransmitRatio(v.rates)},
          {"syn_flood_active", v.syn_flood_active},
          {"udp", Udp(v)}};
}

// The history's series of one sample: the TCP rates, then the UDP ones (drops summed over
// reasons).
RateList HistoryPoint(const PortRates& r) {
  float drops = 0;
  for (float d : r.udp_drops) drops += d;
  RateList point = TcpRates(r);
  point.insert(point.end(), {{"udp_received_datagrams", r.udp_received_datagrams},
                             {"udp_received_bytes", r.udp_received_bytes},
                             {"udp_sent_datagrams", r.udp_sent_datagrams},
                             {"udp_sent_bytes", r.udp_sent_bytes},
                             {"udp_drops", drops},
                             {"udp_no_socket", r.udp_no_socket}});
  return point;
}

}  // namespace

std::string PortsJson(double unix_time, const std::vector<PortView>& ports,
                      const KernelSnapshot& kernel, uint64_t scan_sources) {
  json out = {{"time", unix_time}, {"interval_seconds", RateHistory::kIntervalSeconds}};
  out["ports"] = json::array();
  for (const PortView& v : ports) out["ports"].push_back(Port(v));
  out["probes"] = json::array();
  for (const ProgramStats& p : kernel.programs)
    out["probes"].push_back({{"probe", p.probe}, {"attached", p.attached}});
  out["events_lost"] = kernel.events_lost;
  out["port_scan_sources"] = scan_sources;
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string HistoryJson(const RateHistory::View& history) {
  json out = {{"interval_seconds", RateHistory::kIntervalSeconds},
              {"capacity", history.capacity},
              {"times", history.times}};
  out["ports"] = json::object();
  for (const auto& [port, series] : history.ports) {
    const RateList names = HistoryPoint(PortRates{});
    std::vector<json> values(names.size(), json::array());
    for (const PortRates& r : series) {
      const RateList point = HistoryPoint(r);
      for (size_t i = 0; i < point.size(); ++i) values[i].push_back(Round(point[i].second));
    }
    json p = json::object();
    for (size_t i = 0; i < names.size(); ++i) p[names[i].first] = std::move(values[i]);
    out["ports"][port] = std::move(p);
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string FindingsJson(const std::vector<LoggedFinding>& findings) {
  json list = json::array();
  for (const LoggedFinding& l : findings) {
    const Finding& f = l.finding;
    json extra = json::object();
    for (const auto& [k, v] : f.extra) extra[k] = v;
    list.push_back({{"time", Rfc3339Millis(l.time)},
                    {"rule", f.rule},
                    {"src", f.source_address},
                    {"src_port", f.source_port},
                    {"dst", f.destination_address},
                    {"dst_port", f.destination_port},
                    {"process", f.process},
                    {"count", f.count},
                    {"suppressed", l.suppressed},
                    {"extra", extra}});
  }
  return json{{"findings", list}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace se
