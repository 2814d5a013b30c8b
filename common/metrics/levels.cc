// Industry levels and the roll-up of classes into divisions. See levels.h.
#include "common/metrics/levels.h"

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cw::metrics {

std::string_view IndustryLevelName(IndustryLevel level) {
  return level == IndustryLevel::kDivision ? "division" : "class";
}

std::string IndustryAtLevel(std::string_view industry, IndustryLevel level) {
  if (level == IndustryLevel::kDivision) return std::string(industry.substr(0, 2));
  return std::string(industry);
}

absl::StatusOr<std::vector<IndustryValue>> RollUpIndustries(
    const std::vector<IndustryValue>& industries, IndustryLevel level) {
  std::map<std::string, int64_t> sums;
  std::map<std::string, int> seen;
  for (const IndustryValue& v : industries) {
    if (v.industry.empty()) {
      return absl::InvalidArgumentError("an industry has an empty code (expected a GB/T 4754 code)");
    }
    if (++seen[v.industry] == 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "industry %s appears more than once (expected one value per industry)", v.industry));
    }
    if (v.value_fen < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "industry %s has a negative value %d fen (expected >= 0)", v.industry, v.value_fen));
    }
    sums[IndustryAtLevel(v.industry, level)] += v.value_fen;
  }
  std::vector<IndustryValue> out;
  out.reserve(sums.size());
  for (const auto& [code, fen] : sums) out.push_back({code, fen});
  return out;
}

absl::StatusOr<std::vector<ParkIndustryCell>> RollUpCells(
    const std::vector<ParkIndustryCell>& cells, IndustryLevel level) {
  std::map<std::pair<std::string, std::string>, ParkIndustryCell> merged;
  if (auto s = CheckCells(cells); !s.ok()) return s;
  for (const ParkIndustryCell& c : cells) {
    if (c.industry.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "park %s has a cell with an empty industry code (expected a GB/T 4754 code)",
          c.park_id));
    }
    const std::string code = IndustryAtLevel(c.industry, level);
    ParkIndustryCell& m = merged[{c.park_id, code}];
    m.park_id = c.park_id;
    m.county_code = c.county_code;
    m.industry = code;
    m.output_fen += c.output_fen;
    m.employees += c.employees;
    m.establishments += c.establishments;
  }
  std::vector<ParkIndustryCell> out;
  out.reserve(merged.size());
  for (auto& [key, cell] : merged) out.push_back(std::move(cell));
  return out;
}

std::vector<ParkIndustryCell> CellsInScope(const std::vector<ParkIndustryCell>& cells,
                                           std::string_view county_code,
                                           ReferenceScope scope) {
  size_t n = 0;
  if (scope == ReferenceScope::kProvince) n = 2;
  if (scope == ReferenceScope::kPrefecture) n = 4;
  std::vector<ParkIndustryCell> out;
  for (const ParkIndustryCell& c : cells) {
    const bool in = n == 0 || (county_code.size() >= n && c.county_code.size() >= n
                                   ? std::string_view(c.county_code).substr(0, n) ==
                                         county_code.substr(0, n)
                                   : c.county_code == county_code);
    if (in) out.push_back(c);
  }
  return out;
}

}  // namespace cw::metrics
