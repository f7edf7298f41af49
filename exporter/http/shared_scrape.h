#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace se {

// What one render produced, handed to every scrape that shared it.
struct ScrapeResult {
  std::shared_ptr<const std::string> body;  // null: not rendered (shutting down, or busy)
  std::shared_ptr<const std::string> gzip;  // the body gzipped once, if a sharer accepts gzip
  bool busy = false;                        // the render could not be started (queue full)
};

// How many scrapes were asked for (by whether they accept gzip) and how many renders ran, up
// to and including this one.
struct ScrapeCounts {
  uint64_t identity_requests = 0;
  uint64_t gzip_requests = 0;
  uint64_t renders = 0;
};

// Scrapes that arrive while a render runs wait for it and share its result, instead of each
// queueing for a render of its own; a scrape arriving once the render has finished starts the
// next. One render runs at a time and results are handed out in render order, so no client
// sees a counter go down. Waiting takes no thread: a scrape is a callback.
class SharedScrape {
 public:
  // The exposition, or nullopt while shutting down; runs on a thread `start` provides.
  using Render = std::function<std::optional<std::string>(const ScrapeCounts&)>;
  // Runs a task elsewhere (the worker pool); false when it cannot (full, stopping).
  using Start = std::function<bool(std::function<void()>)>;
  using Done = std::function<void(const ScrapeResult&)>;

  SharedScrape(Render render, Start start);
  SharedScrape(const SharedScrape&) = delete;
  SharedScrape& operator=(const SharedScrape&) = delete;

  // Calls `done` exactly once, on the render's thread (or in here when the render cannot
  // start), with a render that had not finished when Join was called. `gzip`: the caller
  // will send the compressed body, so the result carries one.
  void Join(bool gzip, Done done);

 private:
  struct Waiter {
    bool gzip;
    Done done;
  };

  void RenderAndDeliver();
  std::vector<Waiter> CloseRender();  // later arrivals start a new render

  const Render render_;
  const Start start_;
  std::mutex mu_;
  std::condition_variable delivered_cv_;
  bool rendering_ = false;          // a render is queued or running: new scrapes wait for it
  std::vector<Waiter> waiters_;     // of that render
  uint64_t identity_requests_ = 0;  // Join calls without gzip
  uint64_t gzip_requests_ = 0;      // and with
  uint64_t renders_ = 0;            // renders run; also each render's place in delivery order
  uint64_t delivered_ = 0;          // the last render whose waiters were all called
};

// Two counters for the exposition, appended by the HTTP layer to each render:
// socket_exporter_scrape_requests_total{encoding} and socket_exporter_scrape_renders_total.
void AppendScrapeCounts(const ScrapeCounts& counts, std::string* text);

}  // namespace se
