#include "http/shared_scrape.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/gzip.h"
#include "http/routes.h"
#include "http/worker_pool.h"

namespace se {
namespace {

using std::chrono::milliseconds;

// A condition to wait for across threads, with a timeout so a bug fails instead of hanging.
class Flag {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait(milliseconds timeout = milliseconds(5000)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return set_; });
  }
  bool IsSet() {
    std::lock_guard<std::mutex> lock(mu_);
    return set_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Renders "render N" on a real worker pool; when `hold` is set each render blocks until
// released, so a test decides which scrapes arrive while it runs; otherwise it takes `delay`.
class FakeRender {
 public:
  FakeRender(bool hold, milliseconds delay) : hold_(hold), delay_(delay) {}

  std::optional<std::string> operator()(const ScrapeCounts& counts) {
    std::unique_lock<std::mutex> lock(mu_);
    ++started_;
    last_counts_ = counts;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hold_ || released_ >= started_; });
    if (!hold_) std::this_thread::sleep_for(delay_);
    if (shutting_down_) return std::nullopt;
    return "render " + std::to_string(started_) + "\n" + std::string(20000, 'x') + "\n";
  }
  bool WaitStarted(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, milliseconds(5000), [&] { return started_ >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++released_;
    cv_.notify_all();
  }
  void ShutDown() {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
  }
  ScrapeCounts last_counts() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_counts_;
  }

 private:
  const bool hold_;
  const milliseconds delay_;
  std::mutex mu_;
  std::condition_variable cv_;
  int started_ = 0;
  int released_ = 0;
  bool shutting_down_ = false;
  ScrapeCounts last_counts_;
};

// A scrape's outcome as its callback saw it.
struct Got {
  Flag done;
  ScrapeResult result;
};

class SharedScrapeTest : public ::testing::Test {
 protected:
  explicit SharedScrapeTest(bool hold = true) : render_(hold, milliseconds(2)) {}

  SharedScrape::Done Into(Got* got) {
    return [got](const ScrapeResult& r) {
      got->result = r;
      got->done.Set();
    };
  }

  FakeRender render_;
  SharedScrape scrapes_{[this](const ScrapeCounts& c) { return render_(c); },
                        [this](std::function<void()> task) { return pool_.TrySubmit(task); }};
  WorkerPool pool_{2, 32};  // destroyed first: its threads finish with scrapes_ still there
};

std::string Gunzip(const std::string& packed) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  z.avail_in = static_cast<uInt>(packed.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

TEST_F(SharedScrapeTest, ScrapesArrivingDuringARenderGetItsResult) {
  Got a, b, c;
  scrapes_.Join(false, Into(&a));
  ASSERT_TRUE(render_.WaitStarted(1));
  scrapes_.Join(false, Into(&b));
  scrapes_.Join(true, Into(&c));
  EXPECT_FALSE(a.done.IsSet());
  render_.Release();
  ASSERT_TRUE(a.done.Wait() && b.done.Wait() && c.done.Wait());
  ASSERT_NE(a.result.body, nullptr);
  EXPECT_EQ(a.result.body->substr(0, 9), "render 1\n");
  EXPECT_EQ(b.result.body, a.result.body);  // the same bytes, not a copy
  EXPECT_EQ(c.result.body, a.result.body);
  EXPECT_EQ(render_.last_counts().renders, 1u);
  EXPECT_EQ(render_.last_counts().identity_requests, 1u);  // b and c came after it began
  EXPECT_EQ(render_.last_counts().gzip_requests, 0u);
}

TEST_F(SharedScrapeTest, AScrapeAfterARenderFinishedStartsTheNextOne) {
  Got a, b;
  scrapes_.Join(false, Into(&a));
  render_.Release();
  ASSERT_TRUE(a.done.Wait());
  scrapes_.Join(false, Into(&b));
  ASSERT_TRUE(render_.WaitStarted(2));
  render_.Release();
  ASSERT_TRUE(b.done.Wait());
  EXPECT_EQ(b.result.body->substr(0, 9), "render 2\n");
  EXPECT_EQ(render_.last_counts().renders, 2u);
  EXPECT_EQ(render_.last_counts().identity_requests, 2u);
}

TEST_F(SharedScrapeTest, GzipIsMadeOnceWhenASharerAcceptsItAndNotOtherwise) {
  Got plain;
  scrapes_.Join(false, Into(&plain));
  render_.Release();
  ASSERT_TRUE(plain.done.Wait());
  EXPECT_EQ(plain.result.gzip, nullptr);

  Got first, second, third;
  scrapes_.Join(false, Into(&first));
  ASSERT_TRUE(render_.WaitStarted(2));
  scrapes_.Join(true, Into(&second));
  scrapes_.Join(true, Into(&third));
  render_.Release();
  ASSERT_TRUE(first.done.Wait() && second.done.Wait() && third.done.Wait());
  ASSERT_NE(second.result.gzip, nullptr);
  EXPECT_EQ(third.result.gzip, second.result.gzip);
  EXPECT_LT(second.result.gzip->size(), second.result.body->size() / 10);
  EXPECT_EQ(Gunzip(*second.result.gzip), *second.result.body);
}

TEST_F(SharedScrapeTest, ALaterRenderIsNotHandedOutBeforeTheEarlierOneIsDelivered) {
  std::mutex mu;
  std::vector<std::string> order;
  Flag first_called, let_first_finish;
  Got later;
  scrapes_.Join(false, [&](const ScrapeResult&) {
    first_called.Set();
    let_first_finish.Wait();  // render 1 is still being handed out
    std::lock_guard<std::mutex> lock(mu);
    order.push_back("render 1 delivered");
  });
  render_.Release();
  ASSERT_TRUE(first_called.Wait());
  scrapes_.Join(false, [&](const ScrapeResult& r) {
    {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(r.body->substr(0, 8));
    }
    later.done.Set();  // last: the test may end, and mu go, as soon as this is seen
  });
  ASSERT_TRUE(render_.WaitStarted(2));
  render_.Release();
  EXPECT_FALSE(later.done.Wait(milliseconds(200)));
  let_first_finish.Set();
  ASSERT_TRUE(later.done.Wait());
  EXPECT_EQ(order, (std::vector<std::string>{"render 1 delivered", "render 2"}));
}

TEST_F(SharedScrapeTest, ShuttingDownGivesNoBodyAndIsNotBusy) {
  render_.ShutDown();
  Got a;
  scrapes_.Join(true, Into(&a));
  render_.Release();
  ASSERT_TRUE(a.done.Wait());
  EXPECT_EQ(a.result.body, nullptr);
  EXPECT_EQ(a.result.gzip, nullptr);
  EXPECT_FALSE(a.result.busy);
  EXPECT_EQ(MetricsReply(a.result, true).status, 503);
}

TEST(SharedScrapeStartTest, ARenderThatCannotStartAnswersBusyAndTheNextOneRenders) {
  bool accept = false;
  std::vector<std::thread> threads;
  SharedScrape scrapes([](const ScrapeCounts& c) { return "render " + std::to_string(c.renders); },
                       [&](std::function<void()> task) {
                         if (!accept) return false;
                         threads.emplace_back(std::move(task));
                         return true;
                       });
  bool called = false;
  scrapes.Join(false, [&](const ScrapeResult& r) {
    called = true;
    EXPECT_TRUE(r.busy);
    EXPECT_EQ(r.body, nullptr);
    EXPECT_EQ(MetricsReply(r, false).status, 503);
  });
  EXPECT_TRUE(called);  // answered at once, in Join
  accept = true;
  Flag done;
  std::string body;
  scrapes.Join(false, [&](const ScrapeResult& r) {
    body = *r.body;
    done.Set();
  });
  ASSERT_TRUE(done.Wait());
  EXPECT_EQ(body, "render 1");
  for (auto& t : threads) t.join();
}

// Scrapers in a loop, as Prometheus servers do: each sees strictly newer renders, and they
// share them.
class SharedScrapeLoopTest : public SharedScrapeTest {
 protected:
  SharedScrapeLoopTest() : SharedScrapeTest(/*hold=*/false) {}
};

TEST_F(SharedScrapeLoopTest, LoopingScrapersSeeRendersInOrderAndShareThem) {
  constexpr int kScrapers = 20, kRounds = 20;
  std::vector<std::vector<int>> seen(kScrapers);
  std::vector<std::thread> scrapers;
  for (int s = 0; s < kScrapers; ++s) {
    scrapers.emplace_back([&, s] {
      for (int round = 0; round < kRounds; ++round) {
        Got got;
        scrapes_.Join(round % 2 == 0, Into(&got));
        ASSERT_TRUE(got.done.Wait());
        ASSERT_NE(got.result.body, nullptr);
        seen[s].push_back(std::stoi(got.result.body->substr(7)));
      }
    });
  }
  for (auto& t : scrapers) t.join();
  for (int s = 0; s < kScrapers; ++s) {
    ASSERT_EQ(seen[s].size(), static_cast<size_t>(kRounds));
    for (int i = 1; i < kRounds; ++i) EXPECT_LT(seen[s][i - 1], seen[s][i]) << "scraper " << s;
  }
  const ScrapeCounts last = render_.last_counts();
  EXPECT_LT(last.renders, static_cast<uint64_t>(kScrapers * kRounds) / 2);  // they shared
  EXPECT_LE(last.identity_requests, static_cast<uint64_t>(kScrapers * kRounds / 2));
  EXPECT_LE(last.gzip_requests, static_cast<uint64_t>(kScrapers * kRounds / 2));
  EXPECT_GE(last.identity_requests + last.gzip_requests, last.renders);
}

TEST(ScrapeCountsTest, AppendsTwoCountersInTheExpositionFormat) {
  std::string text = "x 1\n";
  AppendScrapeCounts({7, 2, 3}, &text);
  EXPECT_EQ(text,
            "x 1\n"
            "# HELP socket_exporter_scrape_requests_total Scrapes of the telemetry path "
            "received, by whether they accept gzip.\n"
            "# TYPE socket_exporter_scrape_requests_total counter\n"
            "socket_exporter_scrape_requests_total{encoding=\"identity\"} 7\n"
            "socket_exporter_scrape_requests_total{encoding=\"gzip\"} 2\n"
            "# HELP socket_exporter_scrape_renders_total Renders of the exposition, each shared "
            "by the scrapes that arrived during it.\n"
            "# TYPE socket_exporter_scrape_renders_total counter\n"
            "socket_exporter_scrape_renders_total 3\n");
}

TEST(MetricsReplyTest, SendsTheSharedGzipOnlyToClientsThatAcceptIt) {
  ScrapeResult r;
  r.body = std::make_shared<const std::string>("a 1\n");
  r.gzip = std::make_shared<const std::string>(*Gzip(*r.body));
  using Headers = std::vector<std::pair<std::string, std::string>>;
  const Reply zipped = MetricsReply(r, true);
  EXPECT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.shared_body, r.gzip);
  EXPECT_EQ(zipped.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(zipped.headers, (Headers{{"Vary", "Accept-Encoding"}, {"Content-Encoding", "gzip"}}));
  const Reply plain = MetricsReply(r, false);
  EXPECT_EQ(plain.shared_body, r.body);
  EXPECT_EQ(plain.headers, (Headers{{"Vary", "Accept-Encoding"}}));
  r.gzip = nullptr;  // compression failed: identity is always acceptable
  const Reply fallback = MetricsReply(r, true);
  EXPECT_EQ(fallback.shared_body, r.body);
  EXPECT_EQ(fallback.headers, (Headers{{"Vary", "Accept-Encoding"}}));
}

TEST(GzipTest, RoundTripsThroughZlibInflate) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "m{port=\"" + std::to_string(i % 500) + "\"} 1\n";
  const std::optional<std::string> packed = Gzip(text);
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->substr(0, 2), "\x1f\x8b");  // the gzip magic
  EXPECT_EQ(Gunzip(*packed), text);
  EXPECT_EQ(Gunzip(*Gzip("")), "");
}

TEST(GzipTest, TextThatDoesNotShrinkStillRoundTrips) {
  // Bytes that deflate cannot shrink: the first output guess (an eighth) is too small.
  std::string noise(100000, '\0');
  uint32_t x = 2463534242u;
  for (char& c : noise) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    c = static_cast<char>(x);
  }
  const std::optional<std::string> packed = Gzip(noise);
  ASSERT_TRUE(packed);
  EXPECT_GT(packed->size(), noise.size());
  EXPECT_EQ(Gunzip(*packed), noise);
}

}  // namespace
}  // namespace se
