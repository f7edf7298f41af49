#include "collectors/detector_families.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cstring>

namespace se {
namespace {

std::string Text(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

KernelSnapshot Kernel() {
  KernelSnapshot k;
  k.ports = PortFolding({0, 22, 443});
  se_port_counters c;
  std::memset(&c, 0, sizeof(c));
  c.policy_findings[SE_RULE_DENIED_SOURCE] = 3;
  k.counters = {{"22", c}, {"other", c}};
  k.events_lost = 4;
  return k;
}

TEST(DetectorFamiliesTest, PolicyFindingsFoldUnexpectedListenersWithTheKernelsPorts) {
  PolicyState policy;
  policy.unexpected_listeners = {{22, 1}, {9999, 2}, {9998, 1}};  // 9998 and 9999: "other"
  const auto families = BuildSecurityFamilies(Kernel(), {5, 1, 7, 2, 1}, policy, 9);
  const std::string text = Text(families);
  for (const char* line :
       {"socket_suspicious_connections_total{rule=\"denied_source\",port=\"22\"} 3\n",
        "socket_suspicious_connections_total{rule=\"denied_source\",port=\"other\"} 3\n",
        "socket_suspicious_connections_total{rule=\"unexpected_listener\",port=\"22\"} 1\n",
        "socket_suspicious_connections_total{rule=\"unexpected_listener\",port=\"other\"} 3\n",
        "socket_port_scans_detected_total{protocol=\"tcp\"} 3\n",
        "socket_port_scans_detected_total{protocol=\"udp\"} 2\n",
        "socket_port_scan_sources{protocol=\"tcp\"} 0\n",
        "socket_port_scan_sources{protocol=\"udp\"} 1\n",
        "socket_exporter_tracked_sources_evicted_total 7\n",
        "socket_exporter_events_lost_total 4\n", "socket_exporter_event_log_suppressed_total 9\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

TEST(DetectorFamiliesTest, SynFloodStateGivesOneSeriesPerPortEverSeen) {
  SynFloodState state;
  state.ports = {{"443", true, 2}, {"other", false, 0}};
  EXPECT_EQ(Text(BuildSynFloodFamilies(state)),
            "# HELP socket_syn_flood_active 1 while the detector considers the listening port SYN "
            "flooded.\n"
            "# TYPE socket_syn_flood_active gauge\n"
            "socket_syn_flood_active{port=\"443\"} 1\n"
            "socket_syn_flood_active{port=\"other\"} 0\n"
            "# HELP socket_syn_flood_detections_total SYN flood episodes started on the listening "
            "port.\n"
            "# TYPE socket_syn_flood_detections_total counter\n"
            "socket_syn_flood_detections_total{port=\"443\"} 2\n"
            "socket_syn_flood_detections_total{port=\"other\"} 0\n");
}

}  // namespace
}  // namespace se
