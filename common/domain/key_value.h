// "key = value" configuration text, one setting per line, '#' starts a comment: the common
// line syntax of the metric thresholds (common/metrics/config.h) and the disclosure rules
// (common/disclosure/rules.h). Pure; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cw::domain {

struct KeyValueLine {
  int line = 0;  // 1-based
  std::string key;
  std::string value;
};

// ASCII whitespace trimmed from both ends.
std::string_view TrimSpace(std::string_view s);

// The shortest decimal text that reads back as exactly `v` (for configuration output that
// must parse back to the same value).
std::string ShortestDouble(double v);

// The settings of `text`, in order. Fails with kInvalidArgument "line N: ..." for a line
// without '=', a key `check_key` refuses (its message follows "line N: "), a key that
// repeats an earlier line, or an empty value.
absl::StatusOr<std::vector<KeyValueLine>> ParseKeyValueLines(
    std::string_view text, const std::function<absl::Status(std::string_view key)>& check_key);

}  // namespace cw::domain
