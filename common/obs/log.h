// Minimal structured logging to stderr (Debian's Abseil has no absl/log): one line per
// event, "2026-11-27T04:29:15.123Z I component: message". Thread-safe.
#pragma once

#include <string_view>

#include "absl/strings/str_cat.h"

namespace cw::obs {

enum class Level { kInfo, kWarning, kError };

void Log(Level level, std::string_view component, std::string_view message);

template <typename... Args>
void Info(std::string_view component, const Args&... args) {
  Log(Level::kInfo, component, absl::StrCat(args...));
}
template <typename... Args>
void Warn(std::string_view component, const Args&... args) {
  Log(Level::kWarning, component, absl::StrCat(args...));
}
template <typename... Args>
void Error(std::string_view component, const Args&... args) {
  Log(Level::kError, component, absl::StrCat(args...));
}

}  // namespace cw::obs
