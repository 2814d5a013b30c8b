// SHA-256 of a text as 64 lowercase hex digits (OpenSSL): how credentials and /metrics
// passwords are stored. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace cw::obs {

std::string Sha256Hex(std::string_view text);

}  // namespace cw::obs
