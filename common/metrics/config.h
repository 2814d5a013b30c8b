// Thresholds and cut points of the cluster metrics (all policy choices, none buried in the
// formulas), with documented defaults, and a parser for a "key = value" configuration text.
// Value types and pure functions; thread-safe.
//
// Configuration text: one `key = value` per line; `#` starts a comment (to the end of the
// line); blank lines are ignored; each key at most once. Money values are a decimal number
// with an optional unit 元 (the default), 千元, 万元, 亿元 (or 千/万/亿, yuan, thousand, 10k,
// 100m): "size_min = 10 亿元". List items are separated by ';', '、', ", " or a ',' after a
// unit ("firm_thresholds = 100万, 500万"); a ',' between digits groups thousands.
//
//   key                       default       meaning
//   lq_min                    1.2           stage: LQ needed for 集聚 (agglomeration), > 0
//   size_min                  10 亿元        stage: annual(ised) output needed for 集聚, >= 0
//   n_min                     5             stage: enterprises with output needed for 集聚, >= 1
//   linkage_min               0.2           stage: local purchase share needed for 集群, [0, 1]
//   linkage_scope             region        stage: which local share counts: park | region
//   leader_min                1 亿元         stage: largest enterprise's annual output for 集群
//   specialisation_basis      output        LQ, size and focus by: output | employees
//   strong_lq_percentile      0.75          strong cluster: LQ >= this percentile, [0, 1]
//   strong_lq_floor           1.0           strong cluster: and LQ >= this, >= 0
//   strong_size_percentile    0.25          strong cluster: size > this percentile, [0, 1]
//   strong_count_percentile   0.25          strong cluster: establishments > this percentile
//   specialisation_star_lq    2.0           specialisation star: LQ >= this, > 0
//   size_star_top             0.10          size star: top share by size, (0, 1]
//   focus_star_top            0.10          focus star: top share by share of park, (0, 1]
//   firm_thresholds           100万, 500万, 1000万, 5000万 元   annual output thresholds,
//                                           positive and strictly increasing, at least one
//   leading_firms             5             leading enterprises listed, 0..100
//   grade_a                   0.20          land grading: cumulative share graded A
//   grade_b                   0.60          ... graded A or B
//   grade_c                   0.95          ... graded A, B or C (the rest D);
//                                           0 < grade_a < grade_b < grade_c <= 1
//   completeness_min          0.9           a period counts as complete at this 报送率, [0, 1]
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/metrics/values.h"

namespace cw::metrics {

// Which figure specialisation (LQ, size, focus) is measured by.
enum class Basis { kOutput, kEmployees };

// Which local purchase share the 集群 linkage criterion uses: purchases from enterprises
// in the same park, or in the same prefecture (which includes the same park).
enum class LinkageScope { kPark, kRegion };

// Cluster stage thresholds (集中 → 集聚 → 集群). Money thresholds are annual; year-to-date
// figures are annualised before comparison.
struct StageThresholds {
  double lq_min = 1.2;
  int64_t size_min_fen = 10 * kFenPerYi;  // 10亿元 a year
  int64_t n_min = 5;
  double linkage_min = 0.2;
  LinkageScope linkage_scope = LinkageScope::kRegion;
  int64_t leader_min_fen = 1 * kFenPerYi;  // 1亿元 a year
  friend bool operator==(const StageThresholds&, const StageThresholds&) = default;
};

// US Cluster Mapping strong-cluster rule and European Cluster Observatory stars.
struct SpecialisationConfig {
  Basis basis = Basis::kOutput;
  double strong_lq_percentile = 0.75;
  double strong_lq_floor = 1.0;
  double strong_size_percentile = 0.25;
  double strong_count_percentile = 0.25;
  double specialisation_star_lq = 2.0;
  double size_star_top = 0.10;
  double focus_star_top = 0.10;
  friend bool operator==(const SpecialisationConfig&, const SpecialisationConfig&) = default;
};

// Firm concentration: annual output thresholds (fen) and how many leading firms to list.
struct FirmConfig {
  std::vector<int64_t> output_thresholds_fen = {100 * kFenPerWan, 500 * kFenPerWan,
                                                1000 * kFenPerWan, 5000 * kFenPerWan};
  int leading_count = 5;
  friend bool operator==(const FirmConfig&, const FirmConfig&) = default;
};

// Land-efficiency (亩均效益) grading cut points, as cumulative shares of the ranked units:
// A = top 20%, B = 20–60%, C = 60–95%, D = bottom 5% by default.
struct LandGradeConfig {
  double a_cut = 0.20;
  double b_cut = 0.60;
  double c_cut = 0.95;
  friend bool operator==(const LandGradeConfig&, const LandGradeConfig&) = default;
};

// Completeness (报送率) needed before a period counts as complete.
struct CompletenessConfig {
  double min_rate = 0.9;
  friend bool operator==(const CompletenessConfig&, const CompletenessConfig&) = default;
};

struct MetricsConfig {
  StageThresholds stage;
  SpecialisationConfig specialisation;
  FirmConfig firms;
  LandGradeConfig land;
  CompletenessConfig completeness;
  friend bool operator==(const MetricsConfig&, const MetricsConfig&) = default;
};

// OK when every field is in its documented range (table above); otherwise
// kInvalidArgument naming the first offending key, its value and the expected range.
absl::Status ValidateMetricsConfig(const MetricsConfig& config);

// Parses configuration text (format above) over the defaults: keys not given keep their
// default. Fails with kInvalidArgument naming the line ("line 3: ...") for a line without
// '=', an unknown key (listing the known ones), a repeated key, a value that does not parse
// or is out of range; and for grade cut points out of order, naming the lines that set them.
absl::StatusOr<MetricsConfig> ParseMetricsConfig(std::string_view text);

// Configuration text for `config`, every key, in the order of the table above, such that
// ParseMetricsConfig(FormatMetricsConfig(c)) == c.
std::string FormatMetricsConfig(const MetricsConfig& config);

}  // namespace cw::metrics
