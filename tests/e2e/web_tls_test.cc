// A real Prometheus scrapes the exporter over TLS with basic authentication: the target with
// the right password is up and its samples are queryable; one with a wrong password is down
// with a 401 as its last error.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>

#include "harness/tls_files.h"
#include "harness/web_tls_fixture.h"
#include "stack.h"

namespace se::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kPrometheusConfig[] = R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tls_auth
    scheme: https
    tls_config: {ca_file: 'CA'}
    basic_auth: {username: prometheus, password: s3cret}
    static_configs: [{targets: ['127.0.0.1:PORT']}]
  - job_name: wrong_password
    scheme: https
    tls_config: {ca_file: 'CA'}
    basic_auth: {username: prometheus, password: wrong}
    static_configs: [{targets: ['127.0.0.1:PORT']}]
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The "data" of a successful API answer, or null.
json ApiData(const HttpResponse& r) {
  const json doc = json::parse(r.body, nullptr, false);
  if (!doc.is_object() || doc.value("status", "") != "success") return json();
  return doc["data"];
}

// Scrape health ("up", "down", "unknown") and last error of each job's target.
std::map<std::string, std::pair<std::string, std::string>> Targets(const ServerProcess& p) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  const json data = ApiData(p.Get("/api/v1/targets"));
  if (!data.is_object() || !data["activeTargets"].is_array()) return out;
  for (const json& t : data["activeTargets"]) {
    const std::string job = t["labels"].value("job", "");
    out[job] = {t.value("health", ""), t.value("lastError", "")};
  }
  return out;
}

class WebTlsPrometheusTest : public WebTlsTest {};

TEST_F(WebTlsPrometheusTest, PrometheusScrapesOverTlsWithBasicAuth) {
  ASSERT_TRUE(
      StartWith(kServerTls + "basic_auth_users:\n  prometheus: " + BcryptHash("s3cret") + "\n",
                {"-u", "prometheus:s3cret"}));
  TempDir dir("se-e2e-web-tls");
  std::string config = Replace(kPrometheusConfig, "CA", tls_.Path("ca.pem"));
  config = Replace(config, "PORT", std::to_string(exporter_->port()));
  const uint16_t port = PickFreePort();
  ServerProcess prometheus(
      "prometheus",
      {"/usr/bin/prometheus", "--config.file=" + dir.WriteFile("prometheus.yml", config),
       "--storage.tsdb.path=" + dir.path() + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(port)},
      port, dir.path() + "/prometheus.log");
  ASSERT_TRUE(prometheus.Start(seconds(20)));

  // The first scrapes land 5-6 s after start; both targets must have been tried.
  std::map<std::string, std::pair<std::string, std::string>> targets;
  const auto deadline = Clock::now() + seconds(30);
  while (Clock::now() < deadline) {
    targets = Targets(prometheus);
    if (targets["tls_auth"].first == "up" && targets["wrong_password"].first == "down") break;
    std::this_thread::sleep_for(milliseconds(250));
  }
  EXPECT_EQ(targets["tls_auth"].first, "up") << targets["tls_auth"].second << "\n"
                                             << prometheus.Log();
  EXPECT_EQ(targets["wrong_password"].first, "down");
  EXPECT_NE(targets["wrong_password"].second.find("401"), std::string::npos)
      << targets["wrong_password"].second;

  // up{job="tls_auth"} == 1, up{job="wrong_password"} == 0, and the exporter's own samples.
  const auto value = [&](const std::string& encoded_query) -> std::string {
    const json data = ApiData(prometheus.Get("/api/v1/query?query=" + encoded_query));
    if (!data.is_object() || data["result"].empty()) return "";
    return data["result"][0]["value"][1].get<std::string>();
  };
  EXPECT_EQ(value("up%7Bjob%3D%22tls_auth%22%7D"), "1");
  EXPECT_EQ(value("up%7Bjob%3D%22wrong_password%22%7D"), "0");
  EXPECT_EQ(value("socket_exporter_build_info%7Bjob%3D%22tls_auth%22%7D"), "1");
  EXPECT_EQ(value("socket_exporter_build_info%7Bjob%3D%22wrong_password%22%7D"), "");
}

}  // namespace
}  // namespace se::test
