#include "system/seccomp_filter.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>

namespace se {
namespace {

// What the running exporter calls, beyond the calls restricted by argument below. Sources:
// glibc and libstdc++ (memory, threads, time, stdio), spdlog and --events.file (files), the
// scrape (sock_diag netlink, /proc), the HTTP server (poll/epoll, accept, TLS randomness).
constexpr const char* kAllowed[] = {
    // memory and threads
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex", "set_robust_list",
    "get_robust_list", "rseq", "set_tid_address", "sched_yield", "sched_getaffinity", "gettid",
    "getpid", "exit", "exit_group", "membarrier",
    // time
    "clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
    // signals (sigwait in the main thread; the SIGSYS handler's re-raise)
    "rt_sigprocmask", "rt_sigaction", "rt_sigtimedwait", "rt_sigreturn", "restart_syscall",
    "tgkill",
    // files: /proc, the config file, --events.file, stderr
    "openat", "read", "pread64", "readv", "write", "writev", "close", "fstat", "newfstatat",
    "statx", "fstatfs", "lseek", "getdents64", "readlinkat", "fsync", "fdatasync", "fcntl", "dup", "dup3",
    "access", "faccessat", "faccessat2", "pipe2", "eventfd2",
    // sockets: sock_diag queries, the HTTP server's connections
    "bind", "getsockname", "getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "setsockopt",
    "getsockopt", "accept", "accept4", "shutdown", "poll", "ppoll", "select", "pselect6",
    "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
    // TLS
    "getrandom",
    // reaping the owner helper at shutdown (only a child of ours can be waited for)
    "wait4",
};

// The owner helper's calls: reading /proc (openat restricted below), memory, time, exit, and
// the SIGSYS handler's re-raise; its socket and stderr are allowed by fd below.
constexpr const char* kOwnerHelperAllowed[] = {
    "read", "close", "fstat", "newfstatat", "statx", "lseek", "getdents64", "readlinkat", "dup",
    "brk", "mmap", "munmap", "mremap", "madvise", "futex", "exit", "exit_group", "rt_sigreturn",
    "restart_syscall", "clock_gettime", "gettimeofday", "getpid", "gettid", "tgkill",
};

#ifdef SE_SANITIZER_RUNTIME
// ASan/UBSan/TSan runtimes, and LeakSanitizer's tracer process at exit (ptrace of our
// threads from a clone without CLONE_THREAD, which the main filter's clone rule lets through)
// - its thread lister reads /proc/PID/task with the old getdents, not getdents64
constexpr const char* kSanitizerExtras[] = {
    "sigaltstack", "prctl", "readlink", "getrlimit", "setrlimit", "ptrace", "wait4",
    "waitid", "getppid", "kill", "uname", "mincore", "sched_getparam", "sched_getscheduler",
    "open", "stat", "lstat", "unlink", "getuid", "geteuid", "personality", "mlock", "munlock",
    "fork", "vfork", "getdents",
};
#endif

// The bpf() commands of map access and program statistics; never loading or attaching.
constexpr scmp_datum_t kBpfCommands[] = {
    BPF_MAP_LOOKUP_ELEM,  BPF_MAP_UPDATE_ELEM,  BPF_MAP_DELETE_ELEM,    BPF_MAP_GET_NEXT_KEY,
    BPF_MAP_LOOKUP_BATCH, BPF_MAP_UPDATE_BATCH, BPF_MAP_DELETE_BATCH, BPF_OBJ_GET_INFO_BY_FD};

// ioctl only for what the exporter asks of a namespace file and of a terminal (stdio).
constexpr unsigned long kIoctls[] = {NS_GET_NSTYPE, TCGETS};

constexpr int kMaxNamed = 512;  // above every x86_64/aarch64 syscall number in use

// Read by the SIGSYS handler, so prepared before the filter is installed: a handler may only
// use what is already in memory.
struct ViolationText {
  char names[kMaxNamed][24];
  char arch[16];
  bool json;
};
ViolationText g_violation;

// Appends s to buf at *len (bounded), async-signal-safe.
void Append(char* buf, size_t cap, size_t* len, const char* s) {
  while (*s && *len + 1 < cap) buf[(*len)++] = *s++;
}

void AppendUint(char* buf, size_t cap, size_t* len, unsigned long v, int width) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v && n < 20);
  while (n < width) digits[n++] = '0';
  while (n > 0 && *len + 1 < cap) buf[(*len)++] = digits[--n];
}

// 2024-05-01T12:34:56.789Z from clock_gettime (civil-from-days, no locale, no locks).
void AppendTimestamp(char* buf, size_t cap, size_t* len) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
  const long z = days + 719468, era = z / 146097, doe = z - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  const long y = yoe + era * 400 + (m <= 2);
  const unsigned long parts[] = {static_cast<unsigned long>(y), static_cast<unsigned long>(m),
                                 static_cast<unsigned long>(d), static_cast<unsigned long>(secs / 3600),
                                 static_cast<unsigned long>(secs / 60 % 60),
                                 static_cast<unsigned long>(secs % 60)};
  const char* seps[] = {"-", "-", "T", ":", ":", "."};
  for (int i = 0; i < 6; ++i) {
    AppendUint(buf, cap, len, parts[i], i == 0 ? 4 : 2);
    Append(buf, cap, len, seps[i]);
  }
  AppendUint(buf, cap, len, static_cast<unsigned long>(ts.tv_nsec / 1000000), 3);
  Append(buf, cap, len, "Z");
}

void OnSigsys(int, siginfo_t* info, void*) {
  const int nr = info->si_syscall;
  const char* name = nr >= 0 && nr < kMaxNamed && g_violation.names[nr][0]
                         ? g_violation.names[nr]
                         : "unknown";
  const bool json = g_violation.json;
  char line[256];
  size_t len = 0;
  Append(line, sizeof(line), &len, json ? "{\"ts\":\"" : "ts=");
  AppendTimestamp(line, sizeof(line), &len);
  Append(line, sizeof(line), &len,
         json ? "\",\"level\":\"error\",\"msg\":\"forbidden system call; exiting\",\"syscall\":\""
              : " level=error msg=\"forbidden system call; exiting\" syscall=");
  Append(line, sizeof(line), &len, name);
  Append(line, sizeof(line), &len, json ? "\",\"number\":\"" : " number=");
  AppendUint(line, sizeof(line), &len, static_cast<unsigned long>(nr < 0 ? 0 : nr), 1);
  Append(line, sizeof(line), &len, json ? "\",\"arch\":\"" : " arch=");
  Append(line, sizeof(line), &len, g_violation.arch);
  Append(line, sizeof(line), &len, json ? "\"}\n" : "\n");
  if (write(STDERR_FILENO, line, len) < 0) {
  }
  // SA_RESETHAND made the action SIG_DFL; SA_NODEFER lets this one kill the process now.
  syscall(SYS_tgkill, getpid(), gettid(), SIGSYS);
  _exit(128 + SIGSYS);  // not reached
}

void PrepareViolationText(LogFormat format) {
  const uint32_t arch = seccomp_arch_native();
  for (int nr = 0; nr < kMaxNamed; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(arch, nr);
    g_violation.names[nr][0] = '\0';
    if (name) std::strncat(g_violation.names[nr], name, sizeof(g_violation.names[nr]) - 1);
    free(name);
  }
  const char* arch_name = arch == SCMP_ARCH_X86_64 ? "x86_64"
                          : arch == SCMP_ARCH_AARCH64 ? "aarch64"
                                                      : "other";
  std::strncpy(g_violation.arch, arch_name, sizeof(g_violation.arch) - 1);
  g_violation.json = format == LogFormat::kJson;
}

using Filter = std::unique_ptr<void, void (*)(scmp_filter_ctx)>;

// Adds one allow rule; a name this architecture lacks (e.g. "time" on aarch64) is skipped.
int Allow(scmp_filter_ctx ctx, const char* name, std::initializer_list<scmp_arg_cmp> args = {}) {
  const int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return 0;
  return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, static_cast<unsigned>(args.size()),
                                args.size() ? args.begin() : nullptr);
}

// Keeps the first libseccomp error (a negative errno).
void Check(int* rc, int result) {
  if (*rc == 0) *rc = result;
}

// Calls allowed only with these arguments.
int AddRestricted(scmp_filter_ctx ctx, bool allow_setns) {
  int rc = 0;
  // Threads only: glibc tries clone3 first (whose flags a filter cannot read) and falls back.
  Check(&rc, seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0));
#ifdef SE_SANITIZER_RUNTIME
  Check(&rc, Allow(ctx, "clone"));
#else
  Check(&rc, Allow(ctx, "clone", {SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)}));
#endif
  for (scmp_datum_t cmd : kBpfCommands) Check(&rc, Allow(ctx, "bpf", {SCMP_A0(SCMP_CMP_EQ, cmd)}));
  for (unsigned long req : kIoctls) Check(&rc, Allow(ctx, "ioctl", {SCMP_A1(SCMP_CMP_EQ, req)}));
  Check(&rc, Allow(ctx, "socket",
                   {SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_SOCK_DIAG)}));
  // Reading a limit (libmicrohttpd sizes its connection table by RLIMIT_NOFILE), not setting one.
  Check(&rc, Allow(ctx, "prlimit64", {SCMP_A2(SCMP_CMP_EQ, 0)}));
  if (allow_setns) Check(&rc, Allow(ctx, "setns", {SCMP_A1(SCMP_CMP_EQ, CLONE_NEWNET)}));
#ifndef SE_SANITIZER_RUNTIME
  // libmicrohttpd names each thread it starts (pthread_setname_np on itself).
  Check(&rc, Allow(ctx, "prctl", {SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME)}));
#endif
  return rc;
}

// Installs the SIGSYS handler, then a filter trapping every call add_rules does not allow;
// tsync applies it to every thread of the process.
bool LoadFilter(LogFormat log_format, bool tsync, std::string* error,
                const std::function<int(scmp_filter_ctx)>& add_rules) {
  PrepareViolationText(log_format);
  struct sigaction sa {};
  sa.sa_sigaction = OnSigsys;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGSYS, &sa, nullptr) != 0) {
    *error = std::string("installing the SIGSYS handler: ") + std::strerror(errno);
    return false;
  }
  Filter ctx(seccomp_init(SCMP_ACT_TRAP), seccomp_release);
  if (!ctx) {
    *error = "seccomp_init failed";
    return false;
  }
  int rc = tsync ? seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1) : 0;
#ifdef SE_SANITIZER_RUNTIME
  for (const char* name : kSanitizerExtras) Check(&rc, Allow(ctx.get(), name));
#endif
  Check(&rc, add_rules(ctx.get()));
  if (rc != 0) {
    *error = std::string("building the seccomp filter: ") + std::strerror(-rc);
    return false;
  }
  if ((rc = seccomp_load(ctx.get())) != 0) {
    *error = std::string("loading the seccomp filter: ") + std::strerror(-rc);
    return false;
  }
  return true;
}

}  // namespace

bool InstallSeccomp(const SeccompOptions& options, std::string* error) {
  return LoadFilter(options.log_format, true, error, [&](scmp_filter_ctx ctx) {
    int rc = 0;
    for (const char* name : kAllowed) Check(&rc, Allow(ctx, name));
    Check(&rc, AddRestricted(ctx, options.allow_setns));
    return rc;
  });
}

bool InstallOwnerHelperSeccomp(LogFormat log_format, int socket_fd, std::string* error) {
  return LoadFilter(log_format, false, error, [socket_fd](scmp_filter_ctx ctx) {
    int rc = 0;
    for (const char* name : kOwnerHelperAllowed) Check(&rc, Allow(ctx, name));
    const auto fd = static_cast<scmp_datum_t>(socket_fd);
    for (const char* name : {"recvfrom", "recvmsg", "sendto", "sendmsg"})
      Check(&rc, Allow(ctx, name, {SCMP_A0(SCMP_CMP_EQ, fd)}));
    // The SIGSYS handler's line.
    Check(&rc, Allow(ctx, "write", {SCMP_A0(SCMP_CMP_EQ, STDERR_FILENO)}));
    // /proc is only read: no file can be created, truncated or written.
    Check(&rc, Allow(ctx, "openat", {SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC,
                                             O_RDONLY)}));
    // fdopendir() checks the directory's access mode and marks it close-on-exec.
    Check(&rc, Allow(ctx, "fcntl", {SCMP_A1(SCMP_CMP_EQ, F_GETFL)}));
    Check(&rc, Allow(ctx, "fcntl", {SCMP_A1(SCMP_CMP_EQ, F_SETFD)}));
    return rc;
  });
}

}  // namespace se
