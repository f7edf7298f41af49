#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace se {

// Parses a port list such as "22,80,443,8000-8100" into sorted, unique ports.
// On a bad token returns false and sets *error to a one-line message naming it.
bool ParsePortList(const std::string& text, std::vector<uint16_t>* ports, std::string* error);

}  // namespace se
