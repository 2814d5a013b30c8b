// Industry structure. See structure.h.
#include "common/metrics/structure.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cw::metrics {

absl::StatusOr<IndustryStructure> ComputeStructure(
    const std::vector<IndustryValue>& industries,
    const std::vector<std::string>& declared_leading) {
  std::set<std::string> seen;
  IndustryStructure s;
  for (const IndustryValue& v : industries) {
    if (v.industry.empty()) {
      return absl::InvalidArgumentError(
          "an industry has an empty code (expected a GB/T 4754 code such as 3670)");
    }
    if (!seen.insert(v.industry).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "industry %s appears more than once (expected one figure per industry)",
          v.industry));
    }
    if (v.value_fen < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "industry %s has a negative value %d fen (expected a figure >= 0)", v.industry,
          v.value_fen));
    }
    if (v.value_fen == 0) continue;
    s.total_fen += v.value_fen;
    s.shares.push_back(IndustryShare{v.industry, v.value_fen, 0});
  }
  std::sort(s.shares.begin(), s.shares.end(), [](const IndustryShare& a, const IndustryShare& b) {
    if (a.value_fen != b.value_fen) return a.value_fen > b.value_fen;
    return a.industry < b.industry;
  });
  s.n_industries = static_cast<int>(s.shares.size());
  if (s.total_fen == 0) return s;

  double hhi = 0;
  for (IndustryShare& i : s.shares) {
    i.share = static_cast<double>(i.value_fen) / static_cast<double>(s.total_fen);
    hhi += i.share * i.share;
    const bool leading = std::any_of(
        declared_leading.begin(), declared_leading.end(),
        [&](const std::string& code) { return !code.empty() && i.industry.starts_with(code); });
    if (leading) {
      s.leading_fen += i.value_fen;
      s.leading_present.push_back(i.industry);
    }
  }
  s.hhi = hhi;
  s.cr1 = ConcentrationRatio(s, 1);
  s.cr3 = ConcentrationRatio(s, 3);
  s.cr5 = ConcentrationRatio(s, 5);
  s.dominant = s.shares.front();
  s.leading_share = static_cast<double>(s.leading_fen) / static_cast<double>(s.total_fen);
  return s;
}

std::optional<double> ConcentrationRatio(const IndustryStructure& structure, int n) {
  if (n < 1 || structure.total_fen <= 0) return std::nullopt;
  int64_t top = 0;
  for (int i = 0; i < n && i < static_cast<int>(structure.shares.size()); ++i) {
    top += structure.shares[i].value_fen;
  }
  return static_cast<double>(top) / static_cast<double>(structure.total_fen);
}

std::optional<double> TopNShare(std::vector<int64_t> values, int n) {
  if (n < 1) return std::nullopt;
  std::sort(values.begin(), values.end(), std::greater<int64_t>());
  int64_t total = 0;
  int64_t top = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    total += values[i];
    if (static_cast<int>(i) < n) top += values[i];
  }
  if (total <= 0) return std::nullopt;
  return static_cast<double>(top) / static_cast<double>(total);
}

}  // namespace cw::metrics
