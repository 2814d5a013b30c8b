// Parameters of the primary disclosure-control rules (threshold, dominance (n,k), p%), with
// documented defaults, and a parser for a "key = value" configuration text.
// Value types and pure functions; thread-safe.
//
// Configuration text: one `key = value` per line; `#` starts a comment (to the end of the
// line); blank lines are ignored; each key at most once; keys not given keep their default.
// Fractions are written as a decimal ("0.85") or a percentage ("85%").
//
//   key            default   meaning
//   n_min          3         threshold rule: a cell with fewer contributing enterprises is
//                            confidential; a count in 1..1000000
//   dominance_n    2         dominance rule: how many of the largest enterprises are summed;
//                            a count in 1..1000000
//   dominance_k    0.85      dominance rule: confidential when those n exceed this share of
//                            the cell total (exactly this share is not confidential); (0, 1]
//   p              0.10      p% rule: confidential when T − x1 − x2 < p·x1; [0, 1]. Also the
//                            protection level of secondary suppression (secondary.h)
//
// Shares are compared exactly at a resolution of 1e-6 (dominance_k and p are rounded to the
// nearest millionth), so "exactly 85%" is exact in integer arithmetic, never a float accident.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cw::disclosure {

struct Rules {
  int n_min = 3;
  int dominance_n = 2;
  double dominance_k = 0.85;
  double p = 0.10;
  friend bool operator==(const Rules&, const Rules&) = default;
};

// A share (dominance_k or p) in millionths, rounded to nearest: 0.85 -> 850000.
// REQUIRES: 0 <= share <= 1.
int64_t SharePpm(double share);

// OK when every field is in its documented range (table above); otherwise
// kInvalidArgument naming the first offending key, its value and the expected range.
absl::Status ValidateRules(const Rules& rules);

// Parses configuration text (format above) over the defaults. Fails with kInvalidArgument
// naming the line ("line 3: ...") for a line without '=', an unknown key (listing the known
// ones), a repeated key, a value that does not parse or is out of range.
absl::StatusOr<Rules> ParseRules(std::string_view text);

// Configuration text for `rules`, every key in the order of the table above, such that
// ParseRules(FormatRules(r)) == r.
std::string FormatRules(const Rules& rules);

}  // namespace cw::disclosure
