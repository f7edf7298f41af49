// Meters of the benchmarks: the namespace's snmp counters (TCP segments, UDP datagrams), machine
// idle time (cpuidle or /proc/stat), foreign cgroup ingress links, clocks, the machine line.
#include "bench_meters.h"

#include <bpf/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace se::bench {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

int CgroupLinks(bpf_attach_type type) {
  int n = 0;
  for (__u32 id = 0; bpf_link_get_next_id(id, &id) == 0;) {
    const int fd = bpf_link_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_link_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == BPF_LINK_TYPE_CGROUP &&
        info.cgroup.attach_type == type)
      ++n;
    close(fd);
  }
  return n;
}

}  // namespace

uint64_t ParseSnmpField(const std::string& snmp, const std::string& proto,
                        const std::string& field) {
  const std::string head = proto + ": ";
  std::istringstream in(snmp);
  std::string names, values;
  while (std::getline(in, names) && names.rfind(head, 0) != 0) {
  }
  std::getline(in, values);
  std::istringstream n(names), v(values);
  for (std::string name, value; n >> name && v >> value;)
    if (name == field) return std::stoull(value);
  throw MeterError("no " + proto + " " + field + " in snmp");
}

std::string ReadSnmp(int snmp_fd) {
  char buf[16384];
  if (lseek(snmp_fd, 0, SEEK_SET) != 0) throw MeterError(Errno("lseek snmp"));
  std::string text;
  for (ssize_t n; (n = read(snmp_fd, buf, sizeof(buf))) > 0;) text.append(buf, n);
  return text;
}

uint64_t ParseTcpInSegs(const std::string& snmp) { return ParseSnmpField(snmp, "Tcp", "InSegs"); }

uint64_t ReadTcpInSegs(int snmp_fd) { return ParseTcpInSegs(ReadSnmp(snmp_fd)); }

IdleMeter::IdleMeter() {
  if (sched_getaffinity(0, sizeof(mask_), &mask_) != 0)
    throw MeterError(Errno("sched_getaffinity"));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &mask_)) continue;
    cpus_.push_back({cpu, {}});
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpuidle/";
    for (int s = 0; access((dir + "state" + std::to_string(s)).c_str(), F_OK) == 0; ++s)
      cpus_.back().second.push_back(dir + "state" + std::to_string(s) + "/time");
    if (cpus_.back().second.empty()) cpuidle_ = false;  // e.g. a guest without cpuidle
  }
  if (!cpuidle_) ProcStatIdleNs(cpus_.front().first);  // fails now if /proc/stat cannot serve
}

std::string IdleMeter::Source() const {
  if (cpuidle_) return "cpuidle residency (1 us)";
  return "/proc/stat idle+iowait (" + std::to_string(1000 / sysconf(_SC_CLK_TCK)) + " ms)";
}

uint64_t IdleMeter::ProcStatIdleNs(int cpu) const {
  std::ifstream stat("/proc/stat");
  const std::string want = "cpu" + std::to_string(cpu);
  for (std::string line; std::getline(stat, line);) {
    std::istringstream in(line);
    std::string name;
    uint64_t user, nice, system, idle, iowait;
    if (!(in >> name) || name != want || !(in >> user >> nice >> system >> idle >> iowait))
      continue;
    return (idle + iowait) * 1000000000ULL / static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
  }
  throw MeterError("no " + want + " line in /proc/stat");
}

uint64_t IdleMeter::IdleNs() {
  uint64_t us = 0;
  for (const auto& [cpu, files] : cpus_) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof(one), &one) != 0) throw MeterError(Errno("sched_setaffinity"));
    if (!cpuidle_) {
      us += ProcStatIdleNs(cpu) / 1000;
      continue;
    }
    for (const auto& f : files) {
      uint64_t v = 0;
      if (!(std::ifstream(f) >> v)) throw MeterError("cannot read " + f);
      us += v;
    }
  }
  if (sched_setaffinity(0, sizeof(mask_), &mask_) != 0)
    throw MeterError(Errno("sched_setaffinity"));
  return us * 1000;
}

std::string MachineLine() {
  std::ifstream release("/proc/sys/kernel/osrelease"), pressure("/proc/pressure/cpu");
  std::string kernel, cpu_some;
  std::getline(release, kernel);
  std::getline(pressure, cpu_some);
  return "machine: kernel " + kernel + ", " + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) +
         " CPUs online, CPU pressure " + (cpu_some.empty() ? "n/a" : "\"" + cpu_some + "\"");
}

int CgroupIngressLinks() { return CgroupLinks(BPF_CGROUP_INET_INGRESS); }

int CgroupEgressLinks() { return CgroupLinks(BPF_CGROUP_INET_EGRESS); }

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

}  // namespace se::bench
