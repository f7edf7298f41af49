#include "live/api_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace se {
namespace {

using nlohmann::json;

const char* const kFailureReasons[SE_FAIL_COUNT] = {"refused", "timeout", "unreachable", "other"};

// Rates to a thousandth: more digits are noise of the float and the interval.
double Round(float rate) { return std::round(static_cast<double>(rate) * 1000) / 1000; }

json Rates(const PortRates& r) {
  return {{"connects", Round(r.connects)},
          {"accepts", Round(r.accepts)},
          {"connect_failures", Round(r.connect_failures)},
          {"resets_sent", Round(r.resets_sent)},
          {"resets_received", Round(r.resets_received)},
          {"syns_received", Round(r.syns_received)}};
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
          {"established", {{"inbound", g.established[0]}, {"outbound", g.established[1]}}},
          {"accept_queue_length", g.accept_queue_length},
          {"accept_queue_limit", g.accept_queue_limit},
          {"half_open", g.half_open},
          {"rates", Rates(v.rates)},
          {"syn_flood_active", v.syn_flood_active}};
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
    json p = {{"connects", json::array()},         {"accepts", json::array()},
              {"connect_failures", json::array()}, {"resets_sent", json::array()},
              {"resets_received", json::array()},  {"syns_received", json::array()}};
    for (const PortRates& r : series) {
      const json rates = Rates(r);
      for (auto& [name, values] : p.items()) values.push_back(rates[name]);
    }
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
