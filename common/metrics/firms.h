// Firm concentration of a park or park × industry: CR1/CR3 of enterprises, counts of
// enterprises at or above annual output thresholds, and the leading enterprises.
// Value types and pure functions; thread-safe.
//
// The leading enterprises identify single respondents (Statistics Law): callers must
// show them to authorised roles only; aggregate figures (CRn, counts) are subject to the
// disclosure rules like any other cell.
//
// Definitions (over enterprises with output > 0; T = their total):
//   CRn            = the n largest enterprises' output / T (all of them when fewer than n)
//   count at t     = enterprises whose annual(ised) output is >= t ("100万元以上" includes
//                    100万元); year-to-date output is annualised as ytd × 12 / months
//   leading        = the largest enterprises, ties by id ascending
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/config.h"
#include "common/metrics/values.h"

namespace cw::metrics {

struct ThresholdCount {
  int64_t threshold_fen = 0;  // annual output
  int64_t count = 0;
  friend bool operator==(const ThresholdCount&, const ThresholdCount&) = default;
};

struct FirmShare {
  std::string id;
  std::string name;
  int64_t value_fen = 0;
  double share = 0;
};

struct FirmConcentration {
  int64_t total_fen = 0;
  int64_t firms = 0;              // enterprises given (reporting)
  int64_t firms_with_output = 0;  // of them, with output > 0
  std::optional<double> cr1;      // nullopt when T = 0
  std::optional<double> cr3;
  std::vector<ThresholdCount> over_thresholds;  // one per configured threshold, ascending
  std::vector<FirmShare> leading;               // up to config.leading_count
};

// Firm concentration of `firms` whose output covers `months_covered` months of the year
// (12 for a full year or annual figures; 1..12). Fails with kInvalidArgument when an id
// repeats, a value is negative, or months_covered is outside 1..12.
absl::StatusOr<FirmConcentration> ComputeFirmConcentration(const std::vector<FirmValue>& firms,
                                                           const FirmConfig& config,
                                                           int months_covered = 12);

// Counts of enterprises whose annualised output is >= each threshold, in the order given.
// Fails as ComputeFirmConcentration.
absl::StatusOr<std::vector<ThresholdCount>> CountAtOrAbove(
    const std::vector<FirmValue>& firms, const std::vector<int64_t>& thresholds_fen,
    int months_covered = 12);

// The `n` largest enterprises with their shares of the total of all `firms` (ties by id),
// leaving out those with output <= 0.
std::vector<FirmShare> LeadingFirms(const std::vector<FirmValue>& firms, int n);

}  // namespace cw::metrics
