#include "http/basic_auth.h"

#include <crypt.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace se {
namespace {

// A bcrypt hash of password made by libxcrypt itself, at the cheapest cost (4).
std::string Hash(const std::string& password, const char* prefix = "$2b$", unsigned cost = 4) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof(setting)), nullptr);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(password.c_str(), setting, data.get(), sizeof(*data));
  EXPECT_NE(out, nullptr);
  return out;
}

double Seconds(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(BasicAuthTest, NoUsersMeansDisabled) {
  const BasicAuth auth({});
  EXPECT_FALSE(auth.Enabled());
  EXPECT_FALSE(auth.Verify("", ""));
}

TEST(BasicAuthTest, AcceptsOnlyTheRightPasswordOfAKnownUser) {
  const BasicAuth auth({{"alice", Hash("wonderland")}, {"bob", Hash("builder", "$2y$")}});
  EXPECT_TRUE(auth.Enabled());
  EXPECT_TRUE(auth.Verify("alice", "wonderland"));
  EXPECT_TRUE(auth.Verify("alice", "wonderland"));  // from the cache
  EXPECT_TRUE(auth.Verify("bob", "builder"));
  EXPECT_FALSE(auth.Verify("alice", "builder"));
  EXPECT_FALSE(auth.Verify("alice", "Wonderland"));
  EXPECT_FALSE(auth.Verify("alice", ""));
  EXPECT_FALSE(auth.Verify("bob", "wonderland"));
  EXPECT_FALSE(auth.Verify("carol", "wonderland"));
  EXPECT_FALSE(auth.Verify("", ""));
  EXPECT_FALSE(auth.Verify("alice", std::string("wonderland\0x", 12)));
}

TEST(BasicAuthTest, AHashWrittenAsThePasswordIsNotAccepted) {
  const std::string hash = Hash("pw");
  const BasicAuth auth({{"alice", hash}});
  EXPECT_FALSE(auth.Verify("alice", hash));
}

TEST(BasicAuthTest, RepeatedSuccessSkipsBcrypt) {
  const BasicAuth auth({{"alice", Hash("pw", "$2b$", 12)}});  // ~0.2-0.3 s per bcrypt here
  const double first = Seconds([&] { EXPECT_TRUE(auth.Verify("alice", "pw")); });
  const double again = Seconds([&] {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(auth.Verify("alice", "pw"));
  });
  EXPECT_LT(again, first) << "20 cached checks took " << again << " s, one bcrypt " << first;
}

TEST(BasicAuthTest, UnknownUsersCostABcryptLikeKnownOnes) {
  const BasicAuth auth({{"alice", Hash("pw", "$2b$", 10)}});
  const double known = Seconds([&] { EXPECT_FALSE(auth.Verify("alice", "wrong")); });
  const double unknown = Seconds([&] { EXPECT_FALSE(auth.Verify("mallory", "wrong")); });
  // Loose bounds: the machine is shared, only the order of magnitude is asserted.
  EXPECT_GT(unknown, known / 4) << "unknown " << unknown << " s, known " << known << " s";
}

TEST(BasicAuthTest, ConcurrentChecksAgree) {
  const BasicAuth auth({{"alice", Hash("pw")}, {"bob", Hash("pw2")}});
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const bool ok = auth.Verify(t % 2 ? "alice" : "bob", t % 2 ? "pw" : "pw2");
        const bool bad = auth.Verify("alice", "pw" + std::to_string(i));
        if (!ok || bad) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(BasicAuthTest, TheCacheIsBoundedAndStillRight) {
  std::map<std::string, std::string> users;
  for (int i = 0; i < 100; ++i) users["u" + std::to_string(i)] = Hash("p" + std::to_string(i));
  const BasicAuth auth(users);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(auth.Verify("u" + std::to_string(i), "p" + std::to_string(i)));
      EXPECT_FALSE(auth.Verify("u" + std::to_string(i), "p" + std::to_string(i + 1)));
    }
  }
}

}  // namespace
}  // namespace se
