#include "syn_hook_rig.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "bench_meters.h"

namespace se::bench {
namespace {

constexpr const char* kServer = test::VethLink::kServer4;
constexpr char kSpoofed[] = "10.201.0.0/16";
constexpr double kSliceMaxSeconds = 20;  // bounds every slice, whatever its count

}  // namespace

Rig::Rig(const RigPlan& plan) : plan_(plan) {
  test::LinkByVeth(server_, client_);
  server_.Sysctl("net.ipv4.tcp_syncookies", "1");
  server_.RunIn([&] { OpenServerSide(); });
  OpenSender();
  const uint16_t pp_port = static_cast<uint16_t>(plan.port + 1);
  in_scope_ = std::make_unique<PingPong>(server_, client_, kServer, pp_port);
  out_of_scope_ = std::make_unique<PingPong>(other_, other_, "127.0.0.1", pp_port);
  server_fd_.reset(open(server_.Path().c_str(), O_RDONLY | O_CLOEXEC));
  if (!server_fd_) throw MeterError("open " + server_.Path() + ": " + std::strerror(errno));
  arms_ = std::make_unique<HookArms>(static_cast<uint32_t>(server_.Inode()), server_fd_.get(),
                                     plan.port);
}

Sample Rig::RunArm(int arm) {
  Sample s;
  const int ours = IsCgroupArm(arm) ? 1 : 0;
  arms_->Attach(arm);
  s.foreign = CgroupIngressLinks() - ours;
  const ArmReading r0 = arms_->Read(arm);
  std::this_thread::sleep_for(std::chrono::duration<double>(kIdleSeconds));
  s.idle_runs_per_s = (arms_->Read(arm) - r0).runs / kIdleSeconds;
  s.syn = Flood(arm);
  s.in = Ping(in_scope_.get(), arm);
  s.out = Ping(out_of_scope_.get(), arm);
  s.foreign = std::max(s.foreign, CgroupIngressLinks() - ours);
  arms_->Detach();
  return s;
}

void Rig::WarmUp() {
  Flood(kDetached);
  Ping(in_scope_.get(), kDetached);
  Ping(out_of_scope_.get(), kDetached);
}

void Rig::OpenServerSide() {
  listener_.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(plan_.port);
  inet_pton(AF_INET, kServer, &a.sin_addr);
  if (!listener_ || bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(listener_.get(), 16) != 0)
    throw MeterError("listen on " + std::string(kServer) + ": " + std::strerror(errno));
  snmp_.reset(open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC));
  if (!snmp_) throw MeterError(std::string("open snmp: ") + std::strerror(errno));
}

void Rig::OpenSender() {
  test::SynPlan plan;
  test::ParseAddress(kServer, &plan.dst, &plan.family);
  test::ParseCidr(kSpoofed, AF_INET, &plan.src_base, &plan.src_prefix);
  plan.port_first = plan.port_last = plan_.port;
  plan.count = plan_.syns;
  plan.max_seconds = kSliceMaxSeconds;
  client_.RunIn([&] { sender_ = std::make_unique<test::SynSender>(plan); });
  if (!sender_->valid()) throw MeterError(sender_->error());
}

SynSlice Rig::Flood(int arm) {
  SynSlice s;
  const ArmReading r0 = arms_->Read(arm);
  const uint64_t in0 = ReadTcpInSegs(snmp_.get());
  const double t0 = Now(), cpu0 = ThreadCpuNs();
  sender_->Run();
  s.cpu_ns = ThreadCpuNs() - cpu0;
  s.seconds = Now() - t0;
  if (!sender_->error().empty()) throw MeterError(sender_->error());
  s.absorbed = ReadTcpInSegs(snmp_.get()) - in0;
  s.prog = arms_->Read(arm) - r0;
  if (s.absorbed == 0) throw MeterError("no SYN reached the server's TCP stack");
  return s;
}

PingSlice Rig::Ping(PingPong* pp, int arm) {
  PingSlice s;
  const ArmReading r0 = arms_->Read(arm);
  s.pp = pp->Run(plan_.round_trips, kSliceMaxSeconds);
  s.prog = arms_->Read(arm) - r0;
  return s;
}

}  // namespace se::bench
