// Cluster stage of a park × industry along the path 集中 → 集聚 → 集群 (concentration →
// agglomeration → cluster), with the figures and thresholds that decided it and an
// explanation in Chinese and English.
// Value types and pure functions; thread-safe.
//
// Rule (thresholds in StageThresholds; money thresholds are annual, so year-to-date output
// is annualised: ytd × 12 / months covered):
//   无 none             the industry has no output in the park (annualised output <= 0);
//   集中 concentration  it has output (co-location only) but is not an agglomeration;
//   集聚 agglomeration  specialised and sizeable: LQ >= lq_min, annualised output >=
//                       size_min and enterprises with output >= n_min;
//   集群 cluster        an agglomeration that is also linked and led: local purchase share
//                       (in region, or in park, by linkage_scope) >= linkage_min, and the
//                       largest enterprise's annualised output >= leader_min.
// A figure that is not defined (LQ without reference output, linkage without purchases)
// fails its criterion, and the explanation says it was not available.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/config.h"

namespace cw::metrics {

// Ordered: a higher stage is further along the path (a lower one is a downgrade).
enum class Stage { kNone = 0, kConcentration = 1, kAgglomeration = 2, kCluster = 3 };

std::string_view StageNameZh(Stage stage);  // 无, 集中, 集聚, 集群
std::string_view StageNameEn(Stage stage);  // none, concentration, agglomeration, cluster

struct StageInput {
  std::string park_id;
  std::string industry;
  int64_t output_fen = 0;       // output of the park × industry over `months_covered`
  int months_covered = 12;      // 1..12; 12 for annual figures
  int64_t enterprises = 0;      // enterprises with output in the park × industry
  std::optional<double> lq;     // location quotient (specialisation.h)
  std::optional<double> in_park_share;    // linkage (linkage.h)
  std::optional<double> in_region_share;  // linkage (linkage.h), includes in park
  int64_t leader_output_fen = 0;  // the largest enterprise's output, same months
};

// One test of the rule and its outcome, worded for people: "区位商 1.85 ≥ 1.20".
struct Criterion {
  std::string key;  // lq, size, enterprises, linkage, leader
  bool passed = false;
  std::string zh;
  std::string en;
};

struct StageResult {
  Stage stage = Stage::kNone;
  StageInput input;             // the figures as given
  StageThresholds thresholds;   // the thresholds applied
  int64_t annual_output_fen = 0;
  int64_t annual_leader_fen = 0;
  std::optional<double> linkage_share;  // the share linkage_scope selects
  // Empty for 无; else lq, size, enterprises (集聚), then linkage, leader (集群).
  std::vector<Criterion> criteria;
  std::string explanation_zh;
  std::string explanation_en;
};

// Classifies one park × industry. Fails with kInvalidArgument when months_covered is
// outside 1..12, a figure is negative, the leader's output exceeds the industry's, or the
// annualised output overflows.
absl::StatusOr<StageResult> ClassifyStage(const StageInput& input,
                                          const StageThresholds& thresholds);

}  // namespace cw::metrics
