#include "config/options.h"

#include <functional>
#include <sstream>

#include "config/build_info.h"
#include "config/port_list.h"
#include "socket_exporter.h"

namespace se {
namespace {

using Setter = std::function<bool(const std::string& value, Options* o, std::string* error)>;

struct FlagSpec {
  const char* name;
  const char* help;
  const char* default_text;
  bool is_bool;
  Setter set;
};

// Digits only: strtoul alone would take " 5" and "+5" (and "-1" as a huge number).
bool SetUint(const std::string& flag, const std::string& v, uint32_t lo, uint32_t hi, uint32_t* out,
             std::string* error) {
  const bool digits =
      !v.empty() && v.size() <= 10 && v.find_first_not_of("0123456789") == std::string::npos;
  const uint64_t n = digits ? std::stoull(v) : 0;
  if (!digits || n < lo || n > hi) {
    *error = "--" + flag + "=" + v + ": expected a whole number from " + std::to_string(lo) +
             " to " + std::to_string(hi) + ", digits only";
    return false;
  }
  *out = static_cast<uint32_t>(n);
  return true;
}

bool SetChoice(const std::string& flag, const std::string& v,
               const std::vector<std::string>& choices, std::string* out, std::string* error) {
  for (const auto& c : choices) {
    if (v == c) {
      *out = v;
      return true;
    }
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  *error = "--" + flag + "=" + v + ": expected one of " + list;
  return false;
}

bool SetNetns(const std::string& v, Options* o, std::string* error) {
  if (v == "self") {
    o->netns_mode = NetnsMode::kSelf;
  } else if (v == "all") {
    o->netns_mode = NetnsMode::kAll;
  } else if (!v.empty() && v[0] == '/') {
    o->netns_mode = NetnsMode::kPath;
    o->netns_path = v;
  } else {
    *error = "--netns=" + v + ": expected self, all, or an absolute path such as /proc/PID/ns/net";
    return false;
  }
  return true;
}

bool SetBool(const std::string& flag, const std::string& v, bool* out, std::string* error) {
  if (v == "true" || v == "1" || v.empty()) {
    *out = true;
  } else if (v == "false" || v == "0") {
    *out = false;
  } else {
    *error = "--" + flag + "=" + v + ": expected true or false";
    return false;
  }
  return true;
}

// Routing is by exact match, so the path must be literal: no characters a router or the
// landing page could read as a pattern, a query or markup.
bool IsTelemetryPath(const std::string& v) {
  static const std::string kAllowed =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/";
  if (v.size() < 2 || v[0] != '/' || v.find_first_not_of(kAllowed) != std::string::npos)
    return false;
  if (v.find("//") != std::string::npos || v == "/-/healthy" || v == "/-/ready") return false;
  return v.rfind("/assets/", 0) != 0 && v.rfind("/api/", 0) != 0 && v != "/assets" && v != "/api";
}

// Per-workload attribution (docs/attribution.md).
std::vector<FlagSpec> WorkloadSpecs() {
  return {
      {"attribution",
       "Which workload each socket belongs to: cgroup (its cgroup v2 id: pods, containers, "
       "services) or none; auto is cgroup with --netns=all, none otherwise.",
       "auto", false,
       [](const std::string& v, Options* o, std::string* e) {
         std::string a;
         if (!SetChoice("attribution", v, {"auto", "none", "cgroup"}, &a, e)) return false;
         o->attribution = a == "cgroup" ? AttributionChoice::kCgroup
                          : a == "none" ? AttributionChoice::kNone
                                        : AttributionChoice::kAuto;
         return true;
       }},
      {"workloads.max",
       "Most workloads with their own label value (\"host\" included); the rest count as "
       "workload=\"other\".",
       "128", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("workloads.max", v, 1, kMaxWorkloadsMax, &o->workloads_max, e);
       }},
      {"workloads.retention",
       "Seconds a workload's series stay after its cgroup is gone; then they go and its slot is "
       "reused.",
       "30", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("workloads.retention", v, 0, 3600, &o->workloads_retention_s, e);
       }},
      {"path.runtime",
       "Comma-separated directories holding container bundles (ID/config.json or "
       "ID/userdata/config.json) to name containers by; default: containerd's, CRI-O's and "
       "podman's.",
       "", false,
       [](const std::string& v, Options* o, std::string* e) {
         o->runtime_roots.clear();
         std::stringstream in(v);
         for (std::string root; std::getline(in, root, ',');) {
           if (root.empty() || root[0] != '/') {
             *e = "--path.runtime=" + v + ": expected absolute directories separated by commas";
             return false;
           }
           o->runtime_roots.push_back(root);
         }
         return true;
       }},
      {"metrics.max-series",
       "Most series of (workload, port) pairs in the per-port metrics; connections of workloads "
       "past it count as workload=\"other\", totals kept.",
       "20000", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("metrics.max-series", v, 1000, 10000000, &o->metrics_max_series, e);
       }},
  };
}

std::vector<FlagSpec> BaseSpecs();

const std::vector<FlagSpec>& Specs() {
  static const std::vector<FlagSpec> specs = [] {
    std::vector<FlagSpec> all = BaseSpecs();
    for (auto& s : WorkloadSpecs()) all.push_back(std::move(s));
    return all;
  }();
  return specs;
}

std::vector<FlagSpec> BaseSpecs() {
  return {
      {"web.listen-address", "Address to listen on for the web interface and telemetry.",
       kDefaultListenAddress, false,
       [](const std::string& v, Options* o, std::string*) {
         o->listen_address = v;
         return true;
       }},
      {"web.telemetry-path",
       "Path under which to expose metrics: a literal path of letters, digits and -._~/.",
       "/metrics", false,
       [](const std::string& v, Options* o, std::string* e) {
         if (!IsTelemetryPath(v)) {
           *e = "--web.telemetry-path=" + v +
                ": expected a literal path starting with / made of letters, digits and -._~/ "
                "(no //), other than /, /-/healthy, /-/ready and paths under /assets/ or /api/";
           return false;
         }
         o->telemetry_path = v;
         return true;
       }},
      {"web.max-connections",
       "Most HTTP connections open at once; more wait in the listen backlog.", "1024", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("web.max-connections", v, 1, 65536, &o->web_max_connections, e);
       }},
      {"web.max-connections-per-client",
       "Most HTTP connections open at once from one client address; 0 = no limit.", "64", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("web.max-connections-per-client", v, 0, 65536,
                        &o->web_max_connections_per_client, e);
       }},
      {"web.idle-timeout",
       "Seconds an HTTP connection may go without sending or receiving anything (a request's "
       "headers, a keep-alive wait) before it is closed.",
       "5", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("web.idle-timeout", v, 1, 300, &o->web_idle_timeout_s, e);
       }},
      {"web.max-request-bytes",
       "Largest request line plus headers, in bytes; larger requests get 431 or 414.", "32768",
       false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("web.max-request-bytes", v, 4096, 1048576, &o->web_max_request_bytes, e);
       }},
      {"web.config.file",
       "Path to a configuration file that can enable TLS or authentication (exporter-toolkit "
       "format, see docs/configuration.md); re-read on SIGHUP.",
       "", false,
       [](const std::string& v, Options* o, std::string* e) {
         if (v.empty()) {
           *e = "--web.config.file needs a path, e.g. "
                "--web.config.file=/etc/socket_exporter/web.yml";
           return false;
         }
         o->web_config_file = v;
         return true;
       }},
      {"netns",
       "Network namespaces in scope: self (the exporter's own), all, or a namespace path such as "
       "/proc/PID/ns/net or /run/netns/NAME.",
       "self", false, SetNetns},
      {"ports.track",
       "Ports that always get their own label value, e.g. 22,80,8000-8100; at most --ports.max.",
       "", false,
       [](const std::string& v, Options* o, std::string* e) {
         return ParsePortList(v, &o->track_ports, e);
       }},
      {"ports.max", "Most distinct port label values per metric; the rest count as port=\"other\".",
       "128", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetUint("ports.max", v, 1, kMaxPortsMax, &o->ports_max, e);
       }},
      {"bpf.conn-table-entries",
       "Connections tracked on the fast path (power of two, 2 to 262144; 24 bytes each); more "
       "concurrent connections still count, at a higher cost per connection.",
       "8192", false,
       [](const std::string& v, Options* o, std::string* e) {
         uint32_t n = 0;
         if (!SetUint("bpf.conn-table-entries", v, 2, 1U << SE_CONN_TABLE_MAX_BITS, &n, e))
           return false;
         if (n & (n - 1)) {
           *e = "--bpf.conn-table-entries=" + v + ": expected a power of two, e.g. 8192";
           return false;
         }
         o->conn_table_entries = n;
         return true;
       }},
      {"probes.strict", "Exit if any BPF program fails to attach instead of serving without it.",
       "false", true,
       [](const std::string& v, Options* o, std::string* e) {
         return SetBool("probes.strict", v, &o->probes_strict, e);
       }},
      {"probes.syn-hook",
       "Where SYNs are counted: cgroup (every socket under the cgroup v2 root), tc (ingress of "
       "every interface of the namespace in scope; not with --netns=all), or auto (cgroup with "
       "--netns=all or where the cgroup v2 mount is the hierarchy's root, else tc).",
       "auto", false,
       [](const std::string& v, Options* o, std::string* e) {
         std::string hook;
         if (!SetChoice("probes.syn-hook", v, {"auto", "cgroup", "tc"}, &hook, e)) return false;
         o->syn_hook = hook == "tc"       ? SynHookChoice::kTc
                       : hook == "cgroup" ? SynHookChoice::kCgroup
                                          : SynHookChoice::kAuto;
         return true;
       }},
      {"log.level", "Only log messages with the given severity or above: debug, info, warn, error.",
       "info", false,
       [](const std::string& v, Options* o, std::string* e) {
         return SetChoice("log.level", v, {"debug", "info", "warn", "error"}, &o->log_level, e);
       }},
      {"log.format", "Output format of log messages: logfmt or json.", "logfmt", false,
       [](const std::string& v, Options* o, std::string* e) {
         std::string f;
         if (!SetChoice("log.format", v, {"logfmt", "json"}, &f, e)) return false;
         o->log_format = f == "json" ? LogFormat::kJson : LogFormat::kLogfmt;
         return true;
       }},
      {"events.file",
       "Also append each finding (port scan, policy) as a JSON line to this regular file (not a "
       "symlink, not writable by group or others); reopened on SIGHUP; \"\" = off.",
       "", false,
       [](const std::string& v, Options* o, std::string*) {
         o->events_file = v;
         return true;
       }},
      {"config.file",
       "YAML file with detector thresholds and connection policy (see docs/configuration.md), one "
       "document of at most 1 MiB; re-read on SIGHUP.",
       "", false,
       [](const std::string& v, Options* o, std::string* e) {
         if (v.empty()) {
           *e = "--config.file needs a path, e.g. --config.file=/etc/socket_exporter.yml";
           return false;
         }
         o->config_file = v;
         return true;
       }},
      {"path.procfs", "procfs mountpoint.", "/proc", false,
       [](const std::string& v, Options* o, std::string*) {
         o->procfs = v;
         return true;
       }},
      {"path.sysfs", "sysfs mountpoint (kernel BTF is read from SYSFS/kernel/btf/vmlinux).", "/sys",
       false,
       [](const std::string& v, Options* o, std::string*) {
         o->sysfs = v;
         return true;
       }},
  };
}

const FlagSpec* Find(const std::string& name) {
  for (const auto& s : Specs()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// Applies one "--name[=value]" argument; may consume the next argument as its value, and
// remembers the last --ports.track value for CheckTrackedFit.
bool ApplyFlag(const std::vector<std::string>& args, size_t* i, Options* o, std::string* track,
               std::string* error) {
  std::string arg = args[*i].substr(2), value;
  const auto eq = arg.find('=');
  const bool has_value = eq != std::string::npos;
  if (has_value) {
    value = arg.substr(eq + 1);
    arg = arg.substr(0, eq);
  }
  const FlagSpec* spec = Find(arg);
  if (!spec && !has_value && arg.rfind("no-", 0) == 0 && Find(arg.substr(3)) &&
      Find(arg.substr(3))->is_bool) {
    return Find(arg.substr(3))->set("false", o, error);
  }
  if (!spec) {
    *error = "unknown flag --" + arg + ": see --help for the list of flags";
    return false;
  }
  if (!has_value && !spec->is_bool) {
    if (*i + 1 >= args.size()) {
      *error = "flag --" + arg + " needs a value, e.g. --" + arg + "=" + spec->default_text;
      return false;
    }
    value = args[++*i];
  }
  if (arg == "ports.track") *track = value;
  return spec->set(value, o, error);
}

// Tracked ports beyond --ports.max would fold into "other" silently; flags are read in any
// order, so this runs after all of them.
bool CheckTrackedFit(const Options& o, const std::string& track, std::string* error) {
  if (o.track_ports.size() <= o.ports_max) return true;
  *error = "--ports.track=" + track + ": " + std::to_string(o.track_ports.size()) +
           " ports but --ports.max=" + std::to_string(o.ports_max) +
           "; raise --ports.max (at most " + std::to_string(kMaxPortsMax) +
           ") or track fewer ports";
  return false;
}

// TC ingress programs run on the interfaces of one namespace; --netns=all has no such set.
bool CheckSynHook(const Options& o, std::string* error) {
  if (o.syn_hook != SynHookChoice::kTc || o.netns_mode != NetnsMode::kAll) return true;
  *error =
      "--probes.syn-hook=tc counts the SYNs of one network namespace's interfaces, not "
      "--netns=all: use --probes.syn-hook=cgroup (or auto) with the host's cgroup v2 root";
  return false;
}

}  // namespace

ParseResult ParseFlags(const std::vector<std::string>& args) {
  ParseResult r;
  std::string track;  // the --ports.track value as given, for the error message
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      r.options.show_help = true;
    } else if (a == "--version") {
      r.options.show_version = true;
    } else if (a.rfind("--", 0) == 0 && a.size() > 2) {
      if (!ApplyFlag(args, &i, &r.options, &track, &r.error)) return r;
    } else {
      r.error = "unexpected argument \"" + a + "\": flags start with --, see --help";
      return r;
    }
  }
  r.ok = CheckTrackedFit(r.options, track, &r.error) && CheckSynHook(r.options, &r.error);
  return r;
}

std::string UsageText(const std::string& program) {
  std::ostringstream out;
  out << "usage: " << program << " [<flags>]\n\n"
      << "Prometheus exporter for per-port TCP connection statistics collected with eBPF.\n\n"
      << "Flags:\n  -h, --help  Show this help and exit.\n      --version  Show version and "
         "exit.\n";
  for (const auto& s : Specs()) {
    out << "      --" << (s.is_bool ? "[no-]" : "") << s.name << (s.is_bool ? "" : "=VALUE") << "\n"
        << "          " << s.help;
    if (*s.default_text) out << " (default: " << s.default_text << ")";
    out << "\n";
  }
  return out.str();
}

std::string VersionText() {
  return std::string("socket_exporter, version ") + build::Version() +
         " (revision: " + build::Revision() + ")\n";
}

}  // namespace se
