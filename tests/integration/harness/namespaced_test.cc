#include "harness/namespaced_test.h"

#include <cctype>

namespace se::test {

std::string CurrentTestTag() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string tag;
  for (const char c : std::string(info != nullptr ? info->name() : "test")) {
    if (std::isalnum(static_cast<unsigned char>(c)) && tag.size() < 24)
      tag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return tag.empty() ? "test" : tag;
}

::testing::AssertionResult NamespacedExporterTest::StartExporter(
    const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--netns=" + ns_.Path()};
  args.insert(args.end(), extra.begin(), extra.end());
  exporter_ = std::make_unique<ExporterProcess>(args);
  return exporter_->Start();
}

}  // namespace se::test
