#include "system/owner_helper.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "logging/log.h"
#include "system/privileges.h"
#include "system/seccomp_filter.h"

namespace se {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kReplyTimeout = std::chrono::seconds(2);
constexpr size_t kChunk = 32 * 1024;          // well below the socket buffer, one message each
constexpr uint64_t kMaxReply = 256ull << 20;  // far above a host with a million sockets
constexpr char kScanRequest = 'S';
constexpr char kReady[] = "ready";
constexpr int kHelperFd = 3;  // the helper's socket, the only fd it keeps beside 0, 1, 2

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Sends a complete message; false if the peer is gone.
bool SendMessage(int fd, const void* data, size_t len) {
  ssize_t n;
  do {
    n = send(fd, data, len, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(len);
}

// A reply is its length (one u64 message), then the bytes in messages of at most kChunk.
bool SendReply(int fd, const std::string& bytes) {
  const uint64_t len = bytes.size();
  if (!SendMessage(fd, &len, sizeof(len))) return false;
  for (size_t off = 0; off < bytes.size(); off += kChunk) {
    if (!SendMessage(fd, bytes.data() + off, std::min(kChunk, bytes.size() - off))) return false;
  }
  return true;
}

// Appends one message of at most max bytes to *out, waiting until the deadline.
bool ReceiveMessage(int fd, Clock::time_point deadline, size_t max, std::string* out,
                    std::string* error) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      *error = "no reply within " + std::to_string(kReplyTimeout.count()) + " s";
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      *error = Errno("poll");
      return false;
    }
    if (ready <= 0) continue;
    const size_t start = out->size();
    out->resize(start + max);
    // MSG_TRUNC: the real length of a message longer than expected, which is then refused.
    const ssize_t n = recv(fd, &(*out)[start], max, MSG_TRUNC | MSG_DONTWAIT);
    out->resize(start + static_cast<size_t>(std::clamp<ssize_t>(n, 0, max)));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) *error = Errno("recv");
    if (n == 0) *error = "the helper exited";
    if (n > static_cast<ssize_t>(max)) *error = "a reply message larger than announced";
    return n > 0 && n <= static_cast<ssize_t>(max);
  }
}

// Dies with the parent, keeps only its socket, two capabilities, and the tight filter.
bool Confine(int* sock, pid_t parent, LogFormat log_format, std::string* error) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(0);
  prctl(PR_SET_NAME, "se-owners");
  if (*sock != kHelperFd) {
    if (dup2(*sock, kHelperFd) < 0) {
      *error = Errno("dup2");
      return false;
    }
    *sock = kHelperFd;
  }
  // The BPF maps, the HTTP listener and the namespaces' fds must not outlive the fork here.
  if (close_range(kHelperFd + 1, ~0U, 0) != 0) {
    *error = Errno("close_range");
    return false;
  }
#ifdef __SANITIZE_THREAD__
  constexpr int kThreads = 2;  // TSan restarts its background thread in a forked child
#else
  constexpr int kThreads = 1;
#endif
  return DropPrivileges(OwnerHelperCapabilities(), error, kThreads) &&
         InstallOwnerHelperSeccomp(log_format, kHelperFd, error);
}

[[noreturn]] void RunHelper(int sock, pid_t parent, const std::string& procfs,
                            LogFormat log_format) {
  std::string error;
  if (!Confine(&sock, parent, log_format, &error)) {
    SendMessage(sock, error.data(), std::min<size_t>(error.size(), 512));
    _exit(1);
  }
  if (!SendMessage(sock, kReady, sizeof(kReady) - 1)) _exit(0);
  for (;;) {
    char request = 0;
    const ssize_t n = recv(sock, &request, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1 || request != kScanRequest) _exit(0);  // the exporter closed its end
    if (!SendReply(sock, ProcessTable::Scan(procfs).Encode())) _exit(0);
  }
}

}  // namespace

std::unique_ptr<OwnerHelper> OwnerHelper::Start(const std::string& procfs, LogFormat log_format) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    std::unique_ptr<OwnerHelper> none(new OwnerHelper(-1, UniqueFd()));
    none->Fail(Errno("socketpair"));
    return none;
  }
  UniqueFd mine(fds[0]);
  UniqueFd theirs(fds[1]);
  const pid_t parent = getpid();
  StopSanitizerThreads();  // so that the child, too, starts with one thread
  const pid_t pid = fork();
  if (pid == 0) RunHelper(theirs.get(), parent, procfs, log_format);
  theirs.reset();
  std::unique_ptr<OwnerHelper> helper(new OwnerHelper(pid, std::move(mine)));
  std::lock_guard<std::mutex> lock(helper->mu_);
  std::string reply, error;
  if (pid < 0) {
    helper->Fail(Errno("fork"));
  } else if (!ReceiveMessage(helper->sock_.get(), Clock::now() + kReplyTimeout, 512, &reply,
                             &error)) {
    helper->Fail("starting the helper: " + error);
  } else if (reply != kReady) {
    helper->Fail("starting the helper: " + reply);
  } else {
    log::Debug("socket owner helper started",
               {{"pid", std::to_string(pid)},
                {"capabilities", CapabilityNames(OwnerHelperCapabilities())}});
  }
  return helper;
}

OwnerHelper::~OwnerHelper() {
  sock_.reset();  // the helper exits on EOF, or on its next reply if it is mid-scan
  for (int i = 0; pid_ > 0 && i < 100; ++i) {
    const pid_t r = waitpid(pid_, nullptr, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) return;
    usleep(10 * 1000);
  }
  // Still scanning after 1 s: PR_SET_PDEATHSIG kills it when this process exits.
}

ProcessTable OwnerHelper::Scan() {
  std::lock_guard<std::mutex> lock(mu_);
  ProcessTable table;
  std::string error;
  if (!failed_ && !Request(&table, &error)) Fail(error);
  return failed_ ? ProcessTable() : table;
}

bool OwnerHelper::Request(ProcessTable* out, std::string* error) {
  const Clock::time_point deadline = Clock::now() + kReplyTimeout;
  if (!SendMessage(sock_.get(), &kScanRequest, 1)) {
    *error = errno == EPIPE ? "the helper exited" : Errno("sending the request");
    return false;
  }
  std::string header;
  if (!ReceiveMessage(sock_.get(), deadline, sizeof(uint64_t), &header, error)) return false;
  uint64_t len = 0;
  if (header.size() != sizeof(len)) {
    *error = "a reply without its length";
    return false;
  }
  std::memcpy(&len, header.data(), sizeof(len));
  if (len > kMaxReply) {
    *error = "a reply of " + std::to_string(len) + " bytes";
    return false;
  }
  std::string bytes;
  bytes.reserve(len);
  while (bytes.size() < len) {
    const size_t max = std::min<uint64_t>(kChunk, len - bytes.size());
    if (!ReceiveMessage(sock_.get(), deadline, max, &bytes, error)) return false;
  }
  if (!ProcessTable::Decode(bytes, out)) {
    *error = "a reply that does not decode";
    return false;
  }
  return true;
}

void OwnerHelper::Fail(const std::string& error) {
  failed_ = true;
  sock_.reset();  // a late reply must never be read as the answer to a later request
  log::Warn("socket owner lookup unavailable: " + error + "; process names will be empty");
}

}  // namespace se
