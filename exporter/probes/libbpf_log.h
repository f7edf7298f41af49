#pragma once

namespace se {

// Sends libbpf's messages through the process log (warnings as warn, the rest as debug), in
// the format log::Setup chose. Called by every BPF object before it opens.
void RouteLibbpfLog();

}  // namespace se
