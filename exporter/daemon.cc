#include "daemon.h"

#include <arpa/inet.h>
#include <prometheus/text_serializer.h>

#include <csignal>
#include <cstring>
#include <ctime>

#include "collectors/inventory_collector.h"
#include "collectors/netstat_collector.h"
#include "collectors/tcp_counters.h"
#include "http/listen_address.h"
#include "inventory/inventory.h"
#include "inventory/netns_scope.h"
#include "logging/log.h"
#include "probes/tcp_events_probe.h"
#include "system/preflight.h"

namespace se {
namespace {

uint64_t MonotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000ULL + static_cast<uint64_t>(now.tv_nsec);
}

}  // namespace

Daemon::Daemon(Options options) : options_(std::move(options)) {}

Daemon::~Daemon() {
  ready_ = false;
  if (syn_flood_) syn_flood_->Stop();
  events_.reset();
  {
    // Detach first: stopping civetweb can take its poll quantum (2 s) to return.
    std::lock_guard<std::mutex> lock(scrape_mu_);
    probe_.reset();
  }
  http_.Stop();
}

bool Daemon::OpenProbes(std::string* error) {
  TcpEventsConfig config;
  config.netns_ino = static_cast<uint32_t>(scope_->inode());
  config.max_slots = options_.ports_max + 1;
  config.conn_table_bits = static_cast<uint32_t>(__builtin_ctz(options_.conn_table_entries));
  ReadEphemeralRange(options_.procfs, &config.ephemeral_low, &config.ephemeral_high);
  probe_ = TcpEventsProbe::Open(config, error);
  if (!probe_) return false;
  log::Debug(
      "BPF programs loaded",
      {{"netns", options_.netns_mode == NetnsMode::kAll ? "all" : std::to_string(config.netns_ino)},
       {"ports_max", std::to_string(options_.ports_max)},
       {"ephemeral_range",
        std::to_string(config.ephemeral_low) + "-" + std::to_string(config.ephemeral_high)}});
  return true;
}

void Daemon::TrackExistingListeners() {
  const InventorySnapshot snap = inventory_->Take();
  for (const auto& l : snap.listeners) {
    if (l.protocol == "tcp") probe_->TrackPort(l.port, true);
  }
}

bool Daemon::Start(std::string* error) {
  const bool other_netns = options_.netns_mode != NetnsMode::kSelf;
  ListenAddress addr;
  if (!ParseListenAddress(options_.listen_address, &addr, error) ||
      !CheckBindable(addr, options_.listen_address, error))
    return false;
  if (!options_.config_file.empty() && !LoadConfigFile(options_.config_file, &config_, error)) {
    *error = "--config.file: " + *error;
    return false;
  }
  if (!CheckPrivileges(other_netns, error) || !CheckKernelBtf(options_.sysfs, error)) return false;
  scope_ = NetnsScope::Create(options_.netns_mode, options_.netns_path, options_.procfs, error);
  if (!scope_) return false;
  inventory_ = std::make_unique<Inventory>(scope_.get(), options_.procfs);
  if (!OpenProbes(error)) return false;
  for (uint16_t port : options_.track_ports) probe_->TrackPort(port, false);
  if (!StartSecurity(error)) return false;

  auto inventory_collector = std::make_shared<InventoryCollector>(
      inventory_.get(), [this](uint16_t port) { return port_labels_.Label(port); },
      [this] {
        std::map<std::string, uint64_t> closed;
        for (const auto& p : scrape_counters_)
          if (p.counters.closed_listener_drops) closed[p.port] = p.counters.closed_listener_drops;
        return closed;
      });
  auto netstat_collector = std::make_shared<NetstatCollector>(scope_.get());
  syn_flood_ = std::make_shared<SynFloodRunner>(
      config_.syn_flood, [this] { return SampleForDetector(); }, [this] { return SynSources(); });
  collectors_ = {
      {"tcp", std::make_shared<TcpCountersCollector>([this] { return scrape_counters_; }), nullptr},
      {"inventory", inventory_collector,
       [inventory_collector] { return inventory_collector->last_ok(); }},
      {"netstat", netstat_collector, [netstat_collector] { return netstat_collector->last_ok(); }},
      {"syn_flood", syn_flood_, nullptr},
      {"security", security_, nullptr},
      {"config", reload_status_, nullptr},
      {"exporter", std::make_shared<ExporterCollector>(probe_.get()), nullptr},
  };
  HttpRoutes routes;
  routes.telemetry_path = options_.telemetry_path;
  routes.render_metrics = [this] { return RenderMetrics(); };
  routes.ready = [this] { return ready_.load(); };
  if (!http_.Start(options_.listen_address, std::move(routes), error)) return false;
  // Listeners that exist now (the exporter's own HTTP socket among them) get their slots before
  // the programs run, so none of their first accepts falls into "other"; the second pass after
  // attaching catches those that appeared in between.
  TrackExistingListeners();
  if (!probe_->Attach(options_.probes_strict, attach_, error)) return false;
  if (!probe_->AnyAttached()) {
    *error =
        "no BPF program could be attached (see the warnings above); the kernel needs BTF "
        "tracepoints (tp_btf), 5.5+";
    return false;
  }
  // After attaching: listeners opened from now on are tracked by the kernel itself.
  TrackExistingListeners();
  syn_flood_->Start();
  ready_ = true;
  log::Info("socket_exporter started", {{"version", SE_VERSION}, {"revision", SE_REVISION}});
  return true;
}

std::vector<PortSample> Daemon::SampleForDetector() {
  const std::vector<uint16_t> slot_ports = probe_->SlotPorts();
  port_labels_.Set(slot_ports);
  const auto counters = FoldSlots(probe_->ReadCounters(), slot_ports);
  // The scan detector's clock is the BPF programs' (bpf_ktime_get_ns: CLOCK_MONOTONIC).
  const uint64_t before = MonotonicNs();
  const InventorySnapshot snap = inventory_->Take();
  security_->Tick(snap, before, MonotonicNs());
  if (!snap.ok) return {};
  return BuildPortSamples(counters, snap, [this](uint16_t p) { return port_labels_.Label(p); });
}

std::vector<std::pair<std::string, std::string>> Daemon::SynSources() {
  const std::vector<uint16_t> slot_ports = probe_->SlotPorts();
  std::vector<std::pair<std::string, std::string>> out;
  for (const se_src_sample& s : probe_->ReadNewSources()) {
    const uint16_t port = s.slot < slot_ports.size() ? slot_ports[s.slot] : 0;
    const std::string label = s.slot && port ? std::to_string(port) : "other";
    uint8_t addr[16] = {};
    std::memcpy(addr, s.prefix, s.family == 4 ? 4 : 8);
    char text[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(s.family == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text))) continue;
    out.push_back({label, std::string(text) + (s.family == 4 ? "/24" : "/64")});
  }
  return out;
}

std::optional<std::string> Daemon::RenderMetrics() {
  std::lock_guard<std::mutex> lock(scrape_mu_);
  if (!probe_) return std::nullopt;
  // One read of the BPF maps per scrape, shared by the collectors that need it.
  const std::vector<uint16_t> slot_ports = probe_->SlotPorts();
  port_labels_.Set(slot_ports);
  scrape_counters_ = FoldSlots(probe_->ReadCounters(), slot_ports);
  return prometheus::TextSerializer().Serialize(CollectAll(collectors_));
}

void Daemon::ServeUntilShutdown() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Reload();
      continue;
    }
    log::Info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    ready_ = false;
    return;
  }
}

}  // namespace se
