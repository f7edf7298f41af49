#include "detectors/syn_flood.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace se {
namespace {

// Per-second increments of one tick; cumulative counters are built by the Port helper.
struct Step {
  uint64_t syns = 0;
  uint64_t accepts = 0;
  uint64_t drops = 0;
  uint64_t half_open = 0;
  uint64_t backlog = 0;
  bool present = true;
};

const Step kFlood{5000, 0};
const Step kLegit{10000, 10000, 0, 50, 4096};
const Step kCalm{10, 10};
const Step kMissing{0, 0, 0, 0, 0, false};

// Keeps cumulative counters for one port label, like the kernel maps do.
struct Port {
  explicit Port(std::string name) { cum.port = std::move(name); }
  PortSample Next(const Step& step, double elapsed = 1.0) {
    cum.syns += static_cast<uint64_t>(step.syns * elapsed);
    cum.accepts += static_cast<uint64_t>(step.accepts * elapsed);
    cum.listen_drops += static_cast<uint64_t>(step.drops * elapsed);
    cum.half_open = step.half_open;
    cum.syn_backlog = step.backlog;
    return cum;
  }
  PortSample cum;
};

// One char per tick: 'S' start, 'E' end, otherwise '+' while active and '.' when not.
std::string Trace(SynFloodDetector* detector, Port* port, const std::vector<Step>& steps) {
  std::string trace;
  for (const Step& step : steps) {
    std::vector<PortSample> samples;
    if (step.present) samples.push_back(port->Next(step));
    const std::vector<FloodEvent> events = detector->Tick(1.0, samples);
    char c = detector->Active(port->cum.port) ? '+' : '.';
    for (const FloodEvent& e : events) {
      if (e.port == port->cum.port) c = e.kind == FloodEvent::Kind::kStart ? 'S' : 'E';
    }
    trace += c;
  }
  return trace;
}

SynFloodConfig Config(uint32_t activate, uint32_t clear) {
  SynFloodConfig config;
  config.activate_ticks = activate;
  config.clear_ticks = clear;
  return config;
}

struct SequenceCase {
  const char* name;
  SynFloodConfig config;
  std::vector<Step> steps;  // the first step only sets the baseline
  std::string trace;
  uint64_t detections;
};

TEST(SynFloodTest, Sequences) {
  const Step c = kCalm, f = kFlood, m = kMissing;
  const std::vector<SequenceCase> cases = {
      {"baseline only", Config(1, 5), {f}, ".", 0},
      {"legit burst", Config(1, 5), std::vector<Step>(50, kLegit), std::string(50, '.'), 0},
      {"flood starts at once", Config(1, 5), {c, f, f}, ".S+", 1},
      {"hysteresis", Config(1, 5), {c, f, c, c, c, c, c, c}, ".S++++E.", 1},
      {"retrigger resets calm", Config(1, 3), {c, f, c, c, f, c, c, c, c}, ".S+++++E.", 1},
      {"activate 3 consecutive", Config(3, 2), {c, f, f, c, f, f, f, f, c, c}, "......S++E", 1},
      {"missing counts as calm", Config(1, 3), {c, f, m, m, m, m}, ".S++E.", 1},
      {"two episodes", Config(1, 2), {c, f, c, c, f, f, c, c, f}, ".S+ES++ES", 3},
      {"zero ticks act as one", Config(0, 0), {c, f, c}, ".SE", 1},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    SynFloodDetector detector(tc.config);
    Port port("443");
    EXPECT_EQ(Trace(&detector, &port, tc.steps), tc.trace);
    EXPECT_EQ(detector.Detections("443"), tc.detections);
  }
}

TEST(SynFloodTest, StartEventCarriesThatTicksRates) {
  SynFloodDetector detector(Config(1, 5));
  PortSample s{"443", 1000, 900, 7, 3, 10, 4096};
  EXPECT_TRUE(detector.Tick(1.0, {s}).empty());
  s.syns += 10000;               // 5000/s over 2s
  s.accepts += 1000;             // ratio 0.1
  s.listen_drops += 60;          // 30/s
  s.synack_retransmits += 1400;  // 700/s
  s.half_open = 4000;
  const std::vector<FloodEvent> events = detector.Tick(2.0, {s});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, FloodEvent::Kind::kStart);
  EXPECT_EQ(events[0].port, "443");
  EXPECT_DOUBLE_EQ(events[0].syn_rate, 5000);
  EXPECT_DOUBLE_EQ(events[0].completion_ratio, 0.1);
  EXPECT_DOUBLE_EQ(events[0].listen_drop_rate, 30);
  EXPECT_DOUBLE_EQ(events[0].synack_retransmit_rate, 700);
  EXPECT_EQ(events[0].half_open, 4000u);
  EXPECT_EQ(detector.ActivePorts(), std::vector<std::string>{"443"});
}

struct EdgeCase {
  const char* name;
  double min_listen_drop_rate;
  Step step;
  bool suspect;
};

TEST(SynFloodTest, ThresholdEdges) {
  // Defaults: min_syn_rate 200, max_completion_ratio 0.5, half_open_fill 0.5.
  const std::vector<EdgeCase> cases = {
      {"syn rate at min, low completion", 10, {200, 0}, true},
      {"syn rate just below min", 10, {199, 0}, false},
      {"completion exactly at max", 10, {200, 100}, false},
      {"completion just below max", 10, {200, 99}, true},
      {"drops at min", 10, {200, 200, 10}, true},
      {"drops just below min", 10, {200, 200, 9}, false},
      {"drops ignored when min is 0", 0, {200, 200, 1000}, false},
      {"half open at fill", 10, {200, 200, 0, 50, 100}, true},
      {"half open just below fill", 10, {200, 200, 0, 49, 100}, false},
      {"backlog 0 ignores half open", 10, {200, 200, 0, 100000, 0}, false},
      {"half open needs syn rate", 10, {199, 199, 0, 100, 100}, false},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    SynFloodConfig config = Config(1, 5);
    config.min_listen_drop_rate = tc.min_listen_drop_rate;
    SynFloodDetector detector(config);
    Port port("80");
    EXPECT_EQ(Trace(&detector, &port, {kCalm, tc.step}), tc.suspect ? ".S" : "..");
  }
}

TEST(SynFloodTest, PortsAreIndependent) {
  SynFloodDetector detector(Config(1, 2));
  Port a("443"), b("other");
  detector.Tick(1.0, {a.Next(kCalm), b.Next(kLegit)});
  std::vector<FloodEvent> events = detector.Tick(1.0, {a.Next(kFlood), b.Next(kLegit)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].port, "443");
  EXPECT_TRUE(detector.Active("443"));
  EXPECT_FALSE(detector.Active("other"));
  events = detector.Tick(1.0, {a.Next(kFlood), b.Next(kFlood)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].port, "other");
  EXPECT_EQ(detector.ActivePorts(), (std::vector<std::string>{"443", "other"}));
  detector.Tick(1.0, {a.Next(kCalm), b.Next(kFlood)});
  events = detector.Tick(1.0, {a.Next(kCalm), b.Next(kFlood)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, FloodEvent::Kind::kEnd);
  EXPECT_EQ(events[0].port, "443");
  EXPECT_EQ(detector.ActivePorts(), std::vector<std::string>{"other"});
  EXPECT_EQ(detector.Detections("443"), 1u);
  EXPECT_EQ(detector.Detections("other"), 1u);
  EXPECT_EQ(detector.Detections("22"), 0u);
}

TEST(SynFloodTest, CounterGoingBackwardsResetsBaseline) {
  SynFloodDetector detector(Config(1, 5));
  PortSample s{"443", 1000000, 1000000};
  detector.Tick(1.0, {s});
  s.syns = 5000;  // restarted: not a rate, only a new baseline
  s.accepts = 0;
  EXPECT_TRUE(detector.Tick(1.0, {s}).empty());
  EXPECT_FALSE(detector.Active("443"));
  s.syns += 5000;
  EXPECT_EQ(detector.Tick(1.0, {s}).size(), 1u);
  EXPECT_TRUE(detector.Active("443"));
}

TEST(SynFloodTest, NonPositiveElapsedIsIgnored) {
  SynFloodDetector detector(Config(1, 1));
  Port port("443");
  detector.Tick(1.0, {port.Next(kCalm)});
  PortSample flood = port.Next(kFlood);
  EXPECT_TRUE(detector.Tick(0.0, {flood}).empty());
  EXPECT_TRUE(detector.Tick(-1.0, {flood}).empty());
  EXPECT_FALSE(detector.Active("443"));
  // The baseline did not move, so the real tick still sees the whole flood delta.
  EXPECT_EQ(detector.Tick(1.0, {flood}).size(), 1u);
  EXPECT_TRUE(detector.Tick(0.0, {}).empty());
  EXPECT_TRUE(detector.Active("443"));
}

TEST(SynFloodTest, RateAfterGapSpansMissingTicks) {
  SynFloodDetector detector(Config(1, 5));
  PortSample s{"443", 0, 0};
  detector.Tick(1.0, {s});
  detector.Tick(1.0, {});
  detector.Tick(1.0, {});
  s.syns = 300;  // 100/s over 3s: below min_syn_rate
  EXPECT_TRUE(detector.Tick(1.0, {s}).empty());
}

TEST(SynFloodTest, ForgetsPortsAbsentAndInactive) {
  for (uint32_t absent :
       {SynFloodDetector::kForgetAfterTicks - 1, SynFloodDetector::kForgetAfterTicks}) {
    SCOPED_TRACE(absent);
    SynFloodDetector detector(Config(1, 1));
    PortSample s{"443", 0, 0};
    detector.Tick(1.0, {s});
    s.syns = 5000;
    detector.Tick(1.0, {s});
    for (uint32_t i = 0; i < absent; ++i) detector.Tick(1.0, {});
    s.syns += 5000ull * (absent + 1);
    const bool remembered = absent < SynFloodDetector::kForgetAfterTicks;
    EXPECT_EQ(detector.Tick(1.0, {s}).size(), remembered ? 1u : 0u);
    EXPECT_EQ(detector.Detections("443"), remembered ? 2u : 1u);
  }
}

}  // namespace
}  // namespace se

#include "detectors/syn_flood_monitor.h"

namespace se {
namespace {

TEST(SynFloodTopSourcesTest, MostSynsFirstThenByPrefixAndCut) {
  const std::map<std::string, uint64_t> counts = {
      {"10.0.1.0/24", 5}, {"10.0.2.0/24", 9}, {"10.0.0.0/24", 5}, {"2001:db8::/64", 1}};
  EXPECT_EQ(TopSources(counts, 3), "10.0.2.0/24:9,10.0.0.0/24:5,10.0.1.0/24:5");
  EXPECT_EQ(TopSources(counts, 0), "");
  EXPECT_EQ(TopSources({}, 5), "");
}

}  // namespace
}  // namespace se
