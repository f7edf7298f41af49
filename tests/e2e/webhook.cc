#include "webhook.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "json.h"

namespace se::test {
namespace {

constexpr std::chrono::milliseconds kRequestTimeout{5000};
constexpr size_t kMaxRequestBytes = 4 << 20;

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Content-Length of a raw header block, or -1 when there is none.
long ContentLength(const std::string& headers) {
  const std::string lower = Lower(headers);
  const size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return -1;
  return std::strtol(lower.c_str() + at + 17, nullptr, 10);
}

// Reads one request (headers, then Content-Length bytes of body); false with *error on failure.
bool ReadRequest(int fd, std::string* headers, std::string* body, std::string* error) {
  const auto deadline = Clock::now() + kRequestTimeout;
  std::string raw;
  char buf[16384];
  while (raw.size() < kMaxRequestBytes) {
    const size_t split = raw.find("\r\n\r\n");
    if (split != std::string::npos) {
      *headers = raw.substr(0, split);
      const long length = ContentLength(*headers);
      if (length < 0) return *error = "request without Content-Length", false;
      if (raw.size() >= split + 4 + static_cast<size_t>(length)) {
        *body = raw.substr(split + 4, static_cast<size_t>(length));
        return true;
      }
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return *error = "request timed out after " + std::to_string(raw.size()) + " bytes", false;
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return *error = "connection ended after " + std::to_string(raw.size()) + " bytes", false;
    raw.append(buf, static_cast<size_t>(n));
  }
  return *error = "request too large", false;
}

}  // namespace

WebhookReceiver::WebhookReceiver() : listener_(ListenTcp(Endpoint{kLoopback4, 0}, 64)) {
  port_ = LocalPort(listener_.get());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  stop_read_.reset(fds[0]);
  stop_write_.reset(fds[1]);
  worker_ = std::thread([this] { Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  const char stop = 1;
  [[maybe_unused]] const ssize_t n = write(stop_write_.get(), &stop, 1);  // a pipe: cannot fill
  worker_.join();
}

std::string WebhookReceiver::Url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/alerts";
}

void WebhookReceiver::Serve() {
  while (true) {
    pollfd p[2] = {{stop_read_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[0].revents != 0) return;
    if ((p[1].revents & POLLIN) == 0) continue;
    UniqueFd conn(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (conn.valid()) HandleConnection(conn.get());
  }
}

void WebhookReceiver::HandleConnection(int fd) {
  std::string headers, body, error;
  const bool ok = ReadRequest(fd, &headers, &body, &error);
  const std::string reply = ok ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 400 Bad Request\r\n";
  WriteAll(fd, reply + "Content-Length: 0\r\nConnection: close\r\n\r\n");
  if (!ok) {
    std::lock_guard<std::mutex> lock(mu_);
    errors_.push_back(error);
    return;
  }
  if (headers.compare(0, 5, "POST ") == 0) Record(body);
}

void WebhookReceiver::Record(const std::string& body) {
  Json doc;
  std::string error;
  Notification n;
  n.received = Clock::now();
  if (Json::Parse(body, &doc, &error) && doc.IsObject()) {
    n.status = doc["status"].Text();
    for (const Json& alert : doc["alerts"].Items())
      n.alerts.push_back({alert["status"].Text(), alert["labels"].StringMap()});
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!error.empty() || !doc.IsObject()) {
    errors_.push_back("unparsable notification (" + error + "): " + body.substr(0, 500));
    return;
  }
  notifications_.push_back(std::move(n));
  arrived_.notify_all();
}

std::vector<Notification> WebhookReceiver::Notifications() const {
  std::lock_guard<std::mutex> lock(mu_);
  return notifications_;
}

std::set<std::string> WebhookReceiver::AlertNames() const {
  std::set<std::string> names;
  for (const Notification& n : Notifications()) {
    for (const NotifiedAlert& a : n.alerts) {
      const auto it = a.labels.find("alertname");
      names.insert(it != a.labels.end() ? it->second : "(no alertname)");
    }
  }
  return names;
}

std::optional<NotifiedAlert> WebhookReceiver::WaitForAlert(
    const std::function<bool(const NotifiedAlert&)>& match, Clock::time_point deadline,
    Clock::time_point* received) const {
  std::unique_lock<std::mutex> lock(mu_);
  size_t seen = 0;
  while (true) {
    for (; seen < notifications_.size(); ++seen) {
      for (const NotifiedAlert& a : notifications_[seen].alerts) {
        if (!match(a)) continue;
        if (received != nullptr) *received = notifications_[seen].received;
        return a;
      }
    }
    if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout &&
        seen == notifications_.size()) {
      return std::nullopt;
    }
  }
}

std::vector<std::string> WebhookReceiver::Errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

std::string WebhookReceiver::Describe() const {
  std::ostringstream out;
  const std::vector<Notification> all = Notifications();
  out << all.size() << " notification(s)\n";
  for (const Notification& n : all) {
    for (const NotifiedAlert& a : n.alerts)
      out << "  " << a.status << " " << FormatLabels(a.labels) << "\n";
  }
  for (const std::string& e : Errors()) out << "  error: " << e << "\n";
  return out.str();
}

std::function<bool(const NotifiedAlert&)> AlertIs(const std::string& alertname,
                                                  const std::string& status) {
  return [alertname, status](const NotifiedAlert& a) {
    const auto it = a.labels.find("alertname");
    return a.status == status && it != a.labels.end() && it->second == alertname;
  };
}

}  // namespace se::test
