#pragma once

#include <optional>
#include <string_view>

namespace se {

// Whether a response may be gzipped for this Accept-Encoding value (RFC 9110, 12.5.3): yes
// when "gzip" (or "x-gzip") is listed with a q-value above 0, or, if gzip is not listed,
// "*" is. Codings and parameter names are case-insensitive; an element with a malformed
// q-value is ignored. An empty or absent header means identity only.
bool AcceptsGzip(std::string_view accept_encoding);

// A q-value ("0", "0.5", "1.000") in thousandths; nullopt when malformed.
std::optional<int> ParseQValue(std::string_view text);

}  // namespace se
