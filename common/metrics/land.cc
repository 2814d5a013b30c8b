// Land efficiency and grading. See land.h.
#include "common/metrics/land.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cw::metrics {
namespace {

std::optional<double> PerMuYuan(std::optional<int64_t> annual_fen, int64_t area_mu) {
  if (!annual_fen || area_mu <= 0) return std::nullopt;
  return static_cast<double>(*annual_fen) / static_cast<double>(kFenPerYuan) /
         static_cast<double>(area_mu);
}

}  // namespace

LandEfficiency ComputeLandEfficiency(const LandInput& input) {
  LandEfficiency e;
  e.park_id = input.park_id;
  e.annual_output_fen = Annualise(input.output_ytd_fen, input.months_covered);
  e.annual_tax_fen = Annualise(input.tax_ytd_fen, input.months_covered);
  e.output_per_mu_yuan = PerMuYuan(e.annual_output_fen, input.area_mu);
  e.tax_per_mu_yuan = PerMuYuan(e.annual_tax_fen, input.area_mu);
  return e;
}

std::string_view GradeName(Grade grade) {
  switch (grade) {
    case Grade::kA:
      return "A";
    case Grade::kB:
      return "B";
    case Grade::kC:
      return "C";
    case Grade::kD:
      return "D";
    case Grade::kNone:
      return "-";
  }
  return "-";
}

absl::StatusOr<std::vector<GradedUnit>> GradeByRank(const std::vector<ScoredUnit>& units,
                                                    const LandGradeConfig& config) {
  if (!(config.a_cut > 0 && config.a_cut < config.b_cut && config.b_cut < config.c_cut &&
        config.c_cut <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "grade cut points %g, %g, %g are invalid (expected 0 < a < b < c <= 1)", config.a_cut,
        config.b_cut, config.c_cut));
  }
  std::set<std::string> seen;
  std::vector<GradedUnit> scored;
  std::vector<GradedUnit> unscored;
  for (const ScoredUnit& u : units) {
    if (!seen.insert(u.id).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "unit %s appears more than once (expected one score per unit)", u.id));
    }
    const bool has_score = u.score && !std::isnan(*u.score);
    (has_score ? scored : unscored).push_back(GradedUnit{u.id, u.score, 0, Grade::kNone});
  }
  std::sort(scored.begin(), scored.end(), [](const GradedUnit& a, const GradedUnit& b) {
    if (*a.score != *b.score) return *a.score > *b.score;
    return a.id < b.id;
  });
  std::sort(unscored.begin(), unscored.end(),
            [](const GradedUnit& a, const GradedUnit& b) { return a.id < b.id; });
  const int64_t n = static_cast<int64_t>(scored.size());
  const int64_t a_end = TopCount(config.a_cut, n);
  const int64_t b_end = TopCount(config.b_cut, n);
  const int64_t c_end = TopCount(config.c_cut, n);
  for (int64_t i = 0; i < n; ++i) {
    scored[i].rank = static_cast<int>(i + 1);
    scored[i].grade = i < a_end   ? Grade::kA
                      : i < b_end ? Grade::kB
                      : i < c_end ? Grade::kC
                                  : Grade::kD;
  }
  scored.insert(scored.end(), unscored.begin(), unscored.end());
  return scored;
}

}  // namespace cw::metrics
