// Test fixture: the exporter scoped to a server namespace (ns_) joined by a veth link to a
// client namespace (client_), where tests run traffic generators, spoofed or real.
#ifndef SE_TEST_HARNESS_VETH_TEST_H_
#define SE_TEST_HARNESS_VETH_TEST_H_

#include "harness/namespaced_test.h"
#include "harness/netns.h"

namespace se::test {

class VethExporterTest : public NamespacedExporterTest {
 protected:
  void SetUp() override { LinkByVeth(ns_, client_); }

  Netns client_{CurrentTestTag() + "-c"};
};

}  // namespace se::test

#endif  // SE_TEST_HARNESS_VETH_TEST_H_
