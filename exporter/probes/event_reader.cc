#include "probes/event_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>
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
  reader->thread_ = std::thread([r = reader.get()] { r->Run(); });
  return reader;
}

EventReader::~EventReader() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
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
  while (!stop_) {
    const int n = ring_buffer__poll(rb_, 100);
    if (n < 0 && n != -EINTR) {
      log::Error("reading the event ring buffer failed", {{"error", std::strerror(-n)}});
      return;
    }
  }
  ring_buffer__consume(rb_);  // what arrived before the stop
}

}  // namespace se
