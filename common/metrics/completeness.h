// Completeness of a period's reports (报送率): the share of the expected enterprises that
// have reported. Decline alerts must not fire on a period that is merely incomplete.
// Value types and pure functions; thread-safe.
//
// Definitions:
//   rate      = |reported ∩ expected| / |expected|; nullopt when nothing is expected.
//               Reports from enterprises not expected do not raise the rate (they are
//               counted as `unexpected`), so 0 <= rate <= 1.
//   complete  = rate is defined and >= CompletenessConfig::min_rate.
// Ids are compared exactly; repeated ids count once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/metrics/config.h"

namespace cw::metrics {

struct Completeness {
  int64_t expected = 0;    // distinct expected enterprises
  int64_t reported = 0;    // of them, reported
  int64_t unexpected = 0;  // reported but not expected
  std::optional<double> rate;
  bool complete = false;
  std::vector<std::string> missing;  // expected but not reported, sorted
};

// reported / expected; nullopt when expected <= 0 or reported is outside 0..expected.
std::optional<double> ReportingRate(int64_t reported, int64_t expected);

Completeness ComputeCompleteness(const std::vector<std::string>& expected,
                                 const std::vector<std::string>& reported,
                                 const CompletenessConfig& config);

}  // namespace cw::metrics
