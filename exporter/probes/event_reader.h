#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "net/unique_fd.h"
#include "socket_exporter.h"

struct ring_buffer;

namespace se {

// Drains the BPF ring buffer of rare events on its own thread and hands each event to the
// handler (on that thread). Stops and joins in the destructor.
class EventReader {
 public:
  using Handler = std::function<void(const se_event&)>;
  static std::unique_ptr<EventReader> Start(int ringbuf_fd, Handler handler, std::string* error);
  ~EventReader();
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

 private:
  explicit EventReader(Handler handler) : handler_(std::move(handler)) {}
  static int OnSample(void* ctx, void* data, size_t size);
  void Run();

  Handler handler_;
  ring_buffer* rb_ = nullptr;
  // The thread sleeps in epoll_wait on the ring buffer and on stop_fd_ with no timeout: an
  // idle exporter takes no wake-ups here.
  UniqueFd epoll_fd_;
  UniqueFd stop_fd_;  // an eventfd the destructor writes
  std::thread thread_;
};

}  // namespace se
