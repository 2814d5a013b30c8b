// Land efficiency (亩均效益): output and tax per mu, annualised, and Zhejiang-style A/B/C/D
// grading by rank.
// Value types and pure functions; thread-safe.
//
// Definitions:
//   annual      = year-to-date × 12 / months covered (Annualise in values.h)
//   per mu      = annual figure in yuan / land area in mu (1 km² = 1500 mu); divide by
//                 10,000 for the usual 万元/亩. nullopt when the area is not positive or the
//                 months covered are outside 1..12.
//   grading     = units ranked by score, highest first, ties by id ascending (stable by id);
//                 with n scored units and cumulative cut points a < b < c (LandGradeConfig),
//                 the first ⌈a·n⌉ are A, up to ⌈b·n⌉ B, up to ⌈c·n⌉ C, the rest D — so D
//                 holds at most the bottom (1 − c) share (none of 10 units at c = 0.95, one of
//                 20). Units without a score get no grade and no rank.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/config.h"

namespace cw::metrics {

struct LandInput {
  std::string park_id;
  int64_t area_mu = 0;
  int64_t output_ytd_fen = 0;
  int64_t tax_ytd_fen = 0;
  int months_covered = 12;  // months of the year the year-to-date figures cover
};

struct LandEfficiency {
  std::string park_id;
  std::optional<int64_t> annual_output_fen;
  std::optional<int64_t> annual_tax_fen;
  std::optional<double> output_per_mu_yuan;  // 亩均产值, yuan per mu per year
  std::optional<double> tax_per_mu_yuan;     // 亩均税收, yuan per mu per year
};

LandEfficiency ComputeLandEfficiency(const LandInput& input);

enum class Grade { kNone, kA, kB, kC, kD };

// "A", "B", "C", "D", or "-" for no grade.
std::string_view GradeName(Grade grade);

struct ScoredUnit {
  std::string id;
  std::optional<double> score;  // nullopt (or NaN) when the unit cannot be scored
};

struct GradedUnit {
  std::string id;
  std::optional<double> score;
  int rank = 0;  // 1 = best; 0 without a score
  Grade grade = Grade::kNone;
};

// Grades `units` by rank (definition above); the result is in rank order, then the
// unscored units by id. Fails with kInvalidArgument when an id repeats or the cut points
// are not 0 < a < b < c <= 1.
absl::StatusOr<std::vector<GradedUnit>> GradeByRank(const std::vector<ScoredUnit>& units,
                                                    const LandGradeConfig& config);

}  // namespace cw::metrics
