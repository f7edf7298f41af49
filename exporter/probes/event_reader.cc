#include "probes/event_reader.h"

#include <bpf/libbpf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "logging/log.h"

namespace se {

std::unique_ptr<EventReader> EventReader::Start(int ringbuf_fd, Handler handler,
                                                std::string* error) {
  std::unique_ptr<EventReader> reader(new EventReader(std::move(handler)));
  reader->rb_ = ring_buffer__new(ringbuf_fd, &EventReader::OnSample, reader.get(), nullptr);
  if (!reader->rb_) {
    *error = std::string("opening the event ring buffer: ") + std::strerror(errno);
    return nullptr;
  }
  // libbpf's own epoll set is readable while a ring has data; ours adds the stop signal.
  reader->epoll_fd_.reset(epoll_create1(EPOLL_CLOEXEC));
  reader->stop_fd_.reset(eventfd(0, EFD_CLOEXEC));
  epoll_event ring{EPOLLIN, {.u32 = 0}}, stop{EPOLLIN, {.u32 = 1}};
  if (!reader->epoll_fd_ || !reader->stop_fd_ ||
      epoll_ctl(reader->epoll_fd_.get(), EPOLL_CTL_ADD, ring_buffer__epoll_fd(reader->rb_),
                &ring) != 0 ||
      epoll_ctl(reader->epoll_fd_.get(), EPOLL_CTL_ADD, reader->stop_fd_.get(), &stop) != 0) {
    *error = std::string("waiting on the event ring buffer: ") + std::strerror(errno);
    return nullptr;
  }
  reader->thread_ = std::thread([r = reader.get()] { r->Run(); });
  return reader;
}

EventReader::~EventReader() {
  const uint64_t one = 1;
  if (thread_.joinable() && write(stop_fd_.get(), &one, sizeof(one)) == sizeof(one))
    thread_.join();
  else if (thread_.joinable())
    thread_.detach();  // cannot happen with a valid eventfd; never block the shutdown on it
  if (rb_) ring_buffer__free(rb_);
}

int EventReader::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<EventReader*>(ctx);
  if (size < sizeof(se_event)) return 0;
  se_event event;
  std::memcpy(&event, data, sizeof(event));
  self->handler_(event);
  return 0;
}

void EventReader::Run() {
  for (;;) {
    epoll_event ready[2];
    const int n = epoll_wait(epoll_fd_.get(), ready, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      log::Error("waiting on the event ring buffer failed", {{"error", std::strerror(errno)}});
      return;
    }
    bool stop = false;
    for (int i = 0; i < n; ++i) stop |= ready[i].data.u32 == 1;
    const int consumed = ring_buffer__consume(rb_);  // with a stop: what arrived before it
    if (consumed < 0 && consumed != -EINTR) {
      log::Error("reading the event ring buffer failed", {{"error", std::strerror(-consumed)}});
      return;
    }
    if (stop) return;
  }
}

}  // namespace se
