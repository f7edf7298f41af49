#include "http/shared_scrape.h"

#include <algorithm>
#include <utility>

#include "collectors/families.h"
#include "collectors/text_exposition.h"
#include "http/gzip.h"

namespace se {

SharedScrape::SharedScrape(Render render, Start start)
    : render_(std::move(render)), start_(std::move(start)) {}

void SharedScrape::Join(bool gzip, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++(gzip ? gzip_requests_ : identity_requests_);
    waiters_.push_back({gzip, std::move(done)});
    if (rendering_) return;
    rendering_ = true;
  }
  if (start_([this] { RenderAndDeliver(); })) return;
  ScrapeResult busy;
  busy.busy = true;
  for (const Waiter& w : CloseRender()) w.done(busy);
}

std::vector<SharedScrape::Waiter> SharedScrape::CloseRender() {
  std::lock_guard<std::mutex> lock(mu_);
  rendering_ = false;
  return std::exchange(waiters_, {});
}

void SharedScrape::RenderAndDeliver() {
  ScrapeCounts counts;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counts = {identity_requests_, gzip_requests_, ++renders_};
  }
  std::optional<std::string> body = render_(counts);
  ScrapeResult result;
  if (body) {
    result.body = std::make_shared<const std::string>(std::move(*body));
    bool gzip = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const Waiter& w : waiters_) gzip |= w.gzip;
    }
    std::optional<std::string> packed = gzip ? Gzip(*result.body) : std::nullopt;
    if (packed) result.gzip = std::make_shared<const std::string>(std::move(*packed));
  }
  // Scrapes that arrived while it was compressed share it too (a gzip one that found no
  // gzip started gets the plain text, which every client accepts).
  const std::vector<Waiter> waiters = CloseRender();
  std::unique_lock<std::mutex> lock(mu_);
  delivered_cv_.wait(lock, [&] { return delivered_ + 1 == counts.renders; });
  lock.unlock();
  for (const Waiter& w : waiters) w.done(result);
  lock.lock();
  delivered_ = counts.renders;
  lock.unlock();
  delivered_cv_.notify_all();
}

void AppendScrapeCounts(const ScrapeCounts& counts, std::string* text) {
  std::vector<prometheus::MetricFamily> families = {
      MakeFamily("socket_exporter_scrape_requests_total",
                 "Scrapes of the telemetry path received, by whether they accept gzip.",
                 prometheus::MetricType::Counter),
      MakeFamily("socket_exporter_scrape_renders_total",
                 "Renders of the exposition, each shared by the scrapes that arrived during it.",
                 prometheus::MetricType::Counter)};
  AddCounter(&families[0], {{"encoding", "identity"}},
             static_cast<double>(counts.identity_requests));
  AddCounter(&families[0], {{"encoding", "gzip"}}, static_cast<double>(counts.gzip_requests));
  AddCounter(&families[1], {}, static_cast<double>(counts.renders));
  AppendTextExposition(families, text);
}

}  // namespace se
