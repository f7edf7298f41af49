// Shaping a test namespace's veth end (se0): TC programs that drop chosen segments, and a
// token bucket that queues what exceeds a rate. This kernel has no netem, fq or prio qdiscs;
// clsact and tbf work.
#ifndef SE_TEST_HARNESS_LINK_SHAPING_H_
#define SE_TEST_HARNESS_LINK_SHAPING_H_

#include <string>

namespace se::test {

class Netns;

// Drops every 8th TCP segment with data arriving in ns through se0, 12 at most (a TC program
// at ingress: a drop at the sender's own egress would be reported back to TCP, which then
// sends the segment again as new data, not as a retransmission). Throws on failure.
void DropDataSegments(const Netns& ns);
// Limits what leaves ns through se0 to `rate` (tc syntax, e.g. "4mbit"), queueing up to
// `limit` (e.g. "2mb") behind it. Throws on failure.
void LimitRate(const Netns& ns, const std::string& rate, const std::string& limit);

}  // namespace se::test

#endif  // SE_TEST_HARNESS_LINK_SHAPING_H_
