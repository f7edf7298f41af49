#pragma once

namespace se {

// The transport protocol of a socket.
enum class Protocol { kTcp, kUdp };

// The label value: "tcp" or "udp".
inline const char* ProtocolName(Protocol p) { return p == Protocol::kTcp ? "tcp" : "udp"; }

}  // namespace se
