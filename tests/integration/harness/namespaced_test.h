// Test fixture: a fresh network namespace per test and an exporter scoped to it, so the values
// scraped are exactly the test's own traffic.
#ifndef SE_TEST_HARNESS_NAMESPACED_TEST_H_
#define SE_TEST_HARNESS_NAMESPACED_TEST_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/exporter_process.h"
#include "harness/netns.h"

namespace se::test {

// A short namespace tag from the running test's name, so leftovers are recognisable.
std::string CurrentTestTag();

class NamespacedExporterTest : public ::testing::Test {
 protected:
  // Starts the exporter with --netns=<ns_> plus `extra` flags and waits until it is ready.
  ::testing::AssertionResult StartExporter(const std::vector<std::string>& extra = {});

  Netns ns_{CurrentTestTag()};
  std::unique_ptr<ExporterProcess> exporter_;
};

}  // namespace se::test

#endif  // SE_TEST_HARNESS_NAMESPACED_TEST_H_
