#include "http/http_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "config/listen_address.h"
#include "http/accept_encoding.h"
#include "http/basic_auth.h"
#include "http/routes.h"
#include "http/shared_scrape.h"
#include "http/tls_session.h"
#include "http/worker_pool.h"
#include "logging/log.h"

namespace se {

struct HttpServer::Instance {
  HttpConfig config;
  HttpEndpoints* endpoints = nullptr;
  WorkerPool* pool = nullptr;
  SharedScrape* scrapes = nullptr;  // the server's, shared with the instances before and after
  std::unique_ptr<BasicAuth> auth;  // null without basic_auth_users
  std::string priorities;           // GnuTLS priorities, TLS only
  MHD_Daemon* daemon = nullptr;
  // Set once a newer instance serves: replies close their connection so the old one drains.
  std::atomic<bool> draining{false};
  std::mutex mu;  // guards the two below
  bool stopping = false;
  int suspended = 0;  // connections waiting for the pool; MHD must not stop while any are
};

namespace {

using Instance = HttpServer::Instance;

constexpr size_t kWorkers = 2;     // a scrape at a time is the norm; one spare for the API
constexpr size_t kMaxQueued = 32;  // beyond this, 503: a backlog of API calls helps nobody
constexpr rlim_t kSpareFds = 64;   // BPF maps, netlink sockets, log files besides connections

// The answer for one request, set by the pool before it resumes the connection.
struct RequestState {
  bool deferred = false;  // handed to the pool
  std::optional<Reply> reply;
};

thread_local std::string t_last_mhd_message;  // why MHD_start_daemon failed, on this thread

void LogMhd(void*, const char* format, va_list args) {
  char line[512];
  vsnprintf(line, sizeof(line), format, args);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '.')) text.pop_back();
  t_last_mhd_message = text;
  log::Debug("libmicrohttpd", {{"detail", text}});
}

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers, const char* name) {
  for (const auto& h : headers) {
    if (strcasecmp(h.first.c_str(), name) == 0) return true;
  }
  return false;
}

void ReleaseBody(void* body) { delete static_cast<std::shared_ptr<const std::string>*>(body); }

MHD_Response* CreateResponse(const Reply& reply) {
  if (reply.static_body) {
    return MHD_create_response_from_buffer(
        reply.static_size, const_cast<unsigned char*>(reply.static_body), MHD_RESPMEM_PERSISTENT);
  }
  if (reply.shared_body) {
    // The response holds a reference, so every scrape sharing a render sends the same bytes.
    auto* hold = new std::shared_ptr<const std::string>(reply.shared_body);
    MHD_Response* r = MHD_create_response_from_buffer_with_free_callback_cls(
        (*hold)->size(), const_cast<char*>((*hold)->data()), &ReleaseBody, hold);
    if (!r) delete hold;
    return r;
  }
  return MHD_create_response_from_buffer(reply.body.size(), const_cast<char*>(reply.body.data()),
                                         MHD_RESPMEM_MUST_COPY);
}

MHD_Result QueueReply(MHD_Connection* c, const Reply& reply, const Instance& in) {
  const HttpConfig& config = in.config;
  MHD_Response* r = CreateResponse(reply);
  if (!r) return MHD_NO;
  const auto& extra = config.web.headers;  // the operator's value of a header wins over ours
  auto add = [&](const char* name, const std::string& value) {
    if (!HasHeader(extra, name)) MHD_add_response_header(r, name, value.c_str());
  };
  add(MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type);
  add(MHD_HTTP_HEADER_CACHE_CONTROL, reply.cache);
  add("X-Content-Type-Options", "nosniff");
  if (reply.html) add("Content-Security-Policy", kContentSecurityPolicy);
  for (const auto& h : reply.headers) MHD_add_response_header(r, h.first.c_str(), h.second.c_str());
  if (reply.close || in.draining) MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  for (const auto& h : extra) MHD_add_response_header(r, h.first.c_str(), h.second.c_str());
  const MHD_Result ret = MHD_queue_response(c, static_cast<unsigned>(reply.status), r);
  MHD_destroy_response(r);
  return ret;
}

RequestHead HeadOf(MHD_Connection* c, const char* method) {
  RequestHead head;
  head.method = method;
  const char* length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
  head.has_content_length = length != nullptr;
  head.nonzero_content_length =
      length && std::string(length).find_first_not_of('0') != std::string::npos;
  head.has_transfer_encoding =
      MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding") != nullptr;
  return head;
}

MHD_Result CollectAcceptEncoding(void* cls, MHD_ValueKind, const char* key, const char* value) {
  if (value && strcasecmp(key, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0) {
    auto* all = static_cast<std::string*>(cls);
    if (!all->empty()) all->push_back(',');
    all->append(value);
  }
  return MHD_YES;
}

// Every Accept-Encoding header of the request counts, as if joined by commas.
bool RequestAcceptsGzip(MHD_Connection* c) {
  std::string all;
  MHD_get_connection_values(c, MHD_HEADER_KIND, &CollectAcceptEncoding, &all);
  return AcceptsGzip(all);
}

struct Credentials {
  bool given = false;
  std::string user, password;
};

Credentials ReadCredentials(MHD_Connection* c) {
  Credentials out;
  char* password = nullptr;
  char* user = MHD_basic_auth_get_username_password(c, &password);
  if (user) {
    out.given = true;
    out.user = user;
    MHD_free(user);
  }
  if (password) {
    out.password = password;
    MHD_free(password);
  }
  return out;
}

using Finish = std::function<void(Reply)>;

Reply Unauthorized() {
  Reply r;
  r.status = 401;
  r.body = "Unauthorized\n";
  r.headers.emplace_back(MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"socket_exporter\"");
  return r;
}

// Joins the render in progress or starts one; the reply comes when it is done.
void ServeScrape(Instance* in, bool gzip, Finish finish) {
  in->scrapes->Join(gzip, [gzip, finish = std::move(finish)](const ScrapeResult& result) {
    finish(MetricsReply(result, gzip));
  });
}

// On a pool thread: the password check (bcrypt), then the route or the scrape.
void Work(Instance* in, const std::string& path, const Credentials& who, bool gzip, Finish finish) {
  if (in->auth && (!who.given || !in->auth->Verify(who.user, who.password)))
    return finish(Unauthorized());
  if (path == in->config.telemetry_path) return ServeScrape(in, gzip, std::move(finish));
  finish(Route(path, in->config.telemetry_path, in->endpoints));
}

// Suspends the connection until its reply is ready: a scrape waits for a shared render
// without taking a pool thread; the rest (and everything under basic auth) runs on the pool.
MHD_Result Defer(Instance* in, MHD_Connection* c, RequestState* st, const std::string& path) {
  const Credentials who = in->auth ? ReadCredentials(c) : Credentials{};
  const bool scrape = path == in->config.telemetry_path;
  const bool gzip = scrape && RequestAcceptsGzip(c);
  {
    std::lock_guard<std::mutex> lock(in->mu);
    if (in->stopping) return QueueReply(c, Busy(), *in);
    ++in->suspended;
  }
  MHD_suspend_connection(c);
  Finish finish = [in, c, st](Reply reply) {
    st->reply = std::move(reply);
    MHD_resume_connection(c);
    std::lock_guard<std::mutex> lock(in->mu);
    --in->suspended;
  };
  if (scrape && !in->auth) {
    ServeScrape(in, gzip, std::move(finish));
  } else if (!in->pool->TrySubmit(
                 [in, path, who, gzip, finish] { Work(in, path, who, gzip, finish); })) {
    finish(Busy());
  }
  return MHD_YES;
}

// MHD calls this up to three times per request: once the headers are in (refusals are
// queued then, which also makes MHD close the connection without reading any body), once
// the request is complete (answered, or deferred to the pool), and after the pool resumed it.
MHD_Result HandleRequest(void* cls, MHD_Connection* c, const char* url, const char* method,
                         const char*, const char*, size_t* upload_size, void** con_cls) {
  auto* in = static_cast<Instance*>(cls);
  auto* st = static_cast<RequestState*>(*con_cls);
  if (!st) {
    *con_cls = st = new RequestState;
    Reply refusal;
    if (RefuseRequest(HeadOf(c, method), &refusal)) return QueueReply(c, refusal, *in);
    return MHD_YES;  // answered in the next call: a reply queued now closes the connection
  }
  *upload_size = 0;  // no body gets this far (refused above)
  if (st->deferred) {
    if (!st->reply) return MHD_NO;
    const Reply reply = std::move(*st->reply);
    st->reply.reset();
    return QueueReply(c, reply, *in);
  }
  const std::string path = url;
  if (in->auth || NeedsWorker(path, in->config.telemetry_path)) {
    st->deferred = true;
    return Defer(in, c, st, path);
  }
  return QueueReply(c, Route(path, in->config.telemetry_path, in->endpoints), *in);
}

void RequestDone(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
  delete static_cast<RequestState*>(*con_cls);
  *con_cls = nullptr;
}

void ConnectionNotify(void* cls, MHD_Connection* c, void**, MHD_ConnectionNotificationCode code) {
  auto* in = static_cast<Instance*>(cls);
  if (code != MHD_CONNECTION_NOTIFY_STARTED || !in->config.web.tls) return;
  // Called after MHD created the TLS session and before the handshake.
  const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (info && info->tls_session)
    ApplyClientAuth(info->tls_session, in->config.web.tls->client_auth);
}

// Go (and so node_exporter) raises the soft descriptor limit to the hard one at start; so do
// we, before the sandbox forbids it, so --web.max-connections is not cut short by 1024.
// Returns the soft limit now in force.
rlim_t RaiseFileLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return RLIM_INFINITY;
  if (r.rlim_cur < r.rlim_max) {
    const rlim_t before = r.rlim_cur;
    r.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0) r.rlim_cur = before;
  }
  return r.rlim_cur;
}

// The connection limit that `nofile` descriptors can hold.
unsigned EffectiveConnectionLimit(unsigned wanted, rlim_t nofile) {
  if (nofile == RLIM_INFINITY || nofile >= wanted + kSpareFds) return wanted;
  const unsigned fit = nofile > 2 * kSpareFds ? static_cast<unsigned>(nofile - kSpareFds)
                                              : static_cast<unsigned>(nofile / 2);
  log::Warn("--web.max-connections lowered to fit the open file limit (RLIMIT_NOFILE)",
            {{"wanted", std::to_string(wanted)},
             {"limit", std::to_string(fit)},
             {"nofile", std::to_string(nofile)}});
  return fit;
}

MHD_OptionItem Option(MHD_OPTION option, intptr_t value, void* ptr = nullptr) {
  return MHD_OptionItem{option, value, ptr};
}

template <typename F>
intptr_t Fn(F* f) {
  return reinterpret_cast<intptr_t>(f);
}

}  // namespace

HttpConfig HttpConfigFor(const Options& options, WebConfig web) {
  HttpConfig c;
  c.telemetry_path = options.telemetry_path;
  c.limits.max_connections = options.web_max_connections;
  c.limits.max_connections_per_client = options.web_max_connections_per_client;
  c.limits.idle_timeout_s = options.web_idle_timeout_s;
  c.limits.max_request_bytes = options.web_max_request_bytes;
  c.web = std::move(web);
  return c;
}

HttpServer::HttpServer() = default;

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Listen(const std::string& listen_address, std::string* error) {
  ListenAddress addr;
  if (!ParseListenAddress(listen_address, &addr, error)) return false;
  nofile_ = RaiseFileLimit();
  UniqueFd fd = ListenSocket(addr, listen_address, SOMAXCONN, error);
  if (!fd) return false;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len);
  port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  listen_fd_ = std::move(fd);
  listen_address_ = listen_address;
  log::Info("listening", {{"address", listen_address}, {"port", std::to_string(port_)}});
  return true;
}

bool HttpServer::Serve(const HttpConfig& config, HttpEndpoints* endpoints, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!listen_fd_ || current_) {
    *error = "HTTP server: Serve needs a successful Listen and may run once";
    return false;
  }
  endpoints_ = endpoints;
  pool_ = std::make_unique<WorkerPool>(kWorkers, kMaxQueued);
  scrapes_ = std::make_unique<SharedScrape>(
      [endpoints](const ScrapeCounts& counts) {
        std::optional<std::string> text = endpoints->Metrics();
        if (text) AppendScrapeCounts(counts, &*text);
        return text;
      },
      [pool = pool_.get()](std::function<void()> task) {
        return pool->TrySubmit(std::move(task));
      });
  current_ = StartInstance(config, error);
  return current_ != nullptr;
}

bool HttpServer::Reconfigure(const HttpConfig& config, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!current_) {
    *error = "HTTP server is not serving";
    return false;
  }
  std::unique_ptr<Instance> fresh = StartInstance(config, error);
  if (!fresh) return false;
  // Both accept on the socket for a moment; then the old one lets go of it and drains.
  std::unique_ptr<Instance> old = std::exchange(current_, std::move(fresh));
  StopInstance(std::move(old), /*drain=*/true);
  return true;
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (current_) StopInstance(std::move(current_), /*drain=*/false);
  pool_.reset();  // runs a render still queued, which answers its scrapes
  scrapes_.reset();
  listen_fd_.reset();
}

std::unique_ptr<HttpServer::Instance> HttpServer::StartInstance(const HttpConfig& config,
                                                                std::string* error) {
  auto in = std::make_unique<Instance>();
  in->config = config;
  in->endpoints = endpoints_;
  in->pool = pool_.get();
  in->scrapes = scrapes_.get();
  if (!config.web.basic_auth_users.empty())
    in->auth = std::make_unique<BasicAuth>(config.web.basic_auth_users);
  const HttpLimits& l = config.limits;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                   MHD_USE_ITC | MHD_USE_ERROR_LOG;
  // MHD closes the socket it is given when it fails to start: each instance gets its own copy.
  const int fd = fcntl(listen_fd_.get(), F_DUPFD_CLOEXEC, 3);
  if (fd < 0) {
    *error = std::string("cannot serve HTTP: dup of the listening socket: ") + std::strerror(errno);
    return nullptr;
  }
  std::vector<MHD_OptionItem> opts = {
      Option(MHD_OPTION_LISTEN_SOCKET, fd),
      Option(MHD_OPTION_CONNECTION_LIMIT, EffectiveConnectionLimit(l.max_connections, nofile_)),
      Option(MHD_OPTION_PER_IP_CONNECTION_LIMIT, l.max_connections_per_client),
      Option(MHD_OPTION_CONNECTION_TIMEOUT, l.idle_timeout_s),
      Option(MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(l.max_request_bytes)),
      Option(MHD_OPTION_STRICT_FOR_CLIENT, 1),
      Option(MHD_OPTION_NOTIFY_COMPLETED, Fn(&RequestDone), in.get()),
      Option(MHD_OPTION_NOTIFY_CONNECTION, Fn(&ConnectionNotify), in.get()),
      Option(MHD_OPTION_EXTERNAL_LOGGER, Fn(&LogMhd), nullptr),
  };
  if (const auto& tls = in->config.web.tls) {
    flags |= MHD_USE_TLS;
    in->priorities = TlsPriorities(*tls);
    opts.push_back(Option(MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(tls->cert_pem.c_str())));
    opts.push_back(Option(MHD_OPTION_HTTPS_MEM_KEY, 0, const_cast<char*>(tls->key_pem.c_str())));
    opts.push_back(
        Option(MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char*>(in->priorities.c_str())));
    if (!tls->client_ca_pem.empty())
      opts.push_back(
          Option(MHD_OPTION_HTTPS_MEM_TRUST, 0, const_cast<char*>(tls->client_ca_pem.c_str())));
  }
  opts.push_back(Option(MHD_OPTION_END, 0));
  t_last_mhd_message.clear();
  in->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &HandleRequest, in.get(),
                                MHD_OPTION_ARRAY, opts.data(), MHD_OPTION_END);
  if (!in->daemon) {
    *error =
        "cannot serve HTTP on --web.listen-address=" + listen_address_ + ": " +
        (t_last_mhd_message.empty() ? "libmicrohttpd refused the settings" : t_last_mhd_message);
    return nullptr;
  }
  log::Debug("HTTP server started", {{"tls", in->config.web.tls ? "true" : "false"},
                                     {"basic_auth", in->auth ? "true" : "false"}});
  return in;
}

void HttpServer::StopInstance(std::unique_ptr<Instance> in, bool drain) {
  // Stops accepting at once; the copy of the socket comes back to us to close.
  const MHD_socket copy = MHD_quiesce_daemon(in->daemon);
  in->draining = true;
  // Connections it accepted before letting go are answered, not cut: each ends after its
  // current request (Connection: close) or at the idle timeout, which bounds the wait.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(in->config.limits.idle_timeout_s + 1);
  while (drain && std::chrono::steady_clock::now() < deadline) {
    const MHD_DaemonInfo* info =
        MHD_get_daemon_info(in->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (!info || info->num_connections == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard<std::mutex> lock(in->mu);
    in->stopping = true;
  }
  // MHD_stop_daemon aborts on a suspended connection; the pool resumes each soon.
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(in->mu);
      if (in->suspended == 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  MHD_stop_daemon(in->daemon);
  if (copy != MHD_INVALID_SOCKET) close(copy);
}

}  // namespace se
