// Disclosure rule parameters: validation, parsing and formatting. See rules.h.
#include "common/disclosure/rules.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/domain/key_value.h"

namespace cw::disclosure {
namespace {

constexpr int kMaxCount = 1'000'000;
constexpr std::string_view kKnownKeys = "n_min, dominance_n, dominance_k, p";

std::string_view Trim(std::string_view s) { return domain::TrimSpace(s); }
std::string ShortestDouble(double v) { return domain::ShortestDouble(v); }

absl::Status CheckCount(std::string_view key, int64_t v) {
  if (v >= 1 && v <= kMaxCount) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s = %d is out of range (expected a count in 1..%d)", key, v, kMaxCount));
}

absl::Status CheckDominanceK(double k) {
  if (k > 0 && k <= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "dominance_k = %s is out of range (expected a share in (0, 1] such as 0.85 or 85%%)",
      ShortestDouble(k)));
}

absl::Status CheckP(double p) {
  if (p >= 0 && p <= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrFormat(
      "p = %s is out of range (expected a share in [0, 1] such as 0.1 or 10%%)",
      ShortestDouble(p)));
}

absl::StatusOr<int64_t> ParseCount(std::string_view value) {
  int64_t i = 0;
  if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &i)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("'%s' is not a whole number (expected digits such as 3)", value));
  }
  return i;
}

// "0.85", "85%", "85 %" -> 0.85.
absl::StatusOr<double> ParseShare(std::string_view value) {
  std::string_view number = value;
  bool percent = false;
  if (!number.empty() && number.back() == '%') {
    percent = true;
    number = Trim(number.substr(0, number.size() - 1));
  }
  double d = 0;
  if (!absl::SimpleAtod(absl::string_view(number.data(), number.size()), &d) ||
      !std::isfinite(d)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is not a share (expected a decimal such as 0.85 or a percentage such as 85%%)",
        value));
  }
  return percent ? d / 100 : d;
}

}  // namespace

int64_t SharePpm(double share) { return std::llround(share * 1e6); }

absl::Status ValidateRules(const Rules& rules) {
  if (absl::Status s = CheckCount("n_min", rules.n_min); !s.ok()) return s;
  if (absl::Status s = CheckCount("dominance_n", rules.dominance_n); !s.ok()) return s;
  if (absl::Status s = CheckDominanceK(rules.dominance_k); !s.ok()) return s;
  return CheckP(rules.p);
}

absl::StatusOr<Rules> ParseRules(std::string_view text) {
  Rules rules;
  auto lines = domain::ParseKeyValueLines(text, [](std::string_view key) {
    if (key == "n_min" || key == "dominance_n" || key == "dominance_k" || key == "p") {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrFormat("unknown key '%s' (expected one of %s)",
                                                      std::string(key), kKnownKeys));
  });
  if (!lines.ok()) return lines.status();
  for (const domain::KeyValueLine& kv : *lines) {
    const int line_no = kv.line;
    const std::string_view key = kv.key;
    const std::string_view value = kv.value;
    // A value that does not parse is reported as "line N: key: ..."; a range error already
    // names the key ("line N: p = 2 is out of range ...").
    absl::Status parse_error;
    absl::Status range_error;
    if (key == "n_min" || key == "dominance_n") {
      absl::StatusOr<int64_t> v = ParseCount(value);
      if (!v.ok()) {
        parse_error = v.status();
      } else if (range_error = CheckCount(key, *v); range_error.ok()) {
        (key == "n_min" ? rules.n_min : rules.dominance_n) = static_cast<int>(*v);
      }
    } else {
      absl::StatusOr<double> v = ParseShare(value);
      if (!v.ok()) {
        parse_error = v.status();
      } else if (key == "dominance_k") {
        if (range_error = CheckDominanceK(*v); range_error.ok()) rules.dominance_k = *v;
      } else {
        if (range_error = CheckP(*v); range_error.ok()) rules.p = *v;
      }
    }
    if (!parse_error.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("line %d: %s: %s", line_no, key, std::string(parse_error.message())));
    }
    if (!range_error.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("line %d: %s", line_no, std::string(range_error.message())));
    }
  }
  return rules;
}

std::string FormatRules(const Rules& rules) {
  return absl::StrFormat("n_min = %d\ndominance_n = %d\ndominance_k = %s\np = %s\n",
                         rules.n_min, rules.dominance_n, ShortestDouble(rules.dominance_k),
                         ShortestDouble(rules.p));
}

}  // namespace cw::disclosure
