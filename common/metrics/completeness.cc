// Completeness (报送率). See completeness.h.
#include "common/metrics/completeness.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cw::metrics {

std::optional<double> ReportingRate(int64_t reported, int64_t expected) {
  if (expected <= 0 || reported < 0 || reported > expected) return std::nullopt;
  return static_cast<double>(reported) / static_cast<double>(expected);
}

Completeness ComputeCompleteness(const std::vector<std::string>& expected,
                                 const std::vector<std::string>& reported,
                                 const CompletenessConfig& config) {
  const std::set<std::string> want(expected.begin(), expected.end());
  const std::set<std::string> got(reported.begin(), reported.end());
  Completeness c;
  c.expected = static_cast<int64_t>(want.size());
  for (const std::string& id : want) {
    if (got.contains(id)) {
      ++c.reported;
    } else {
      c.missing.push_back(id);
    }
  }
  for (const std::string& id : got) {
    if (!want.contains(id)) ++c.unexpected;
  }
  c.rate = ReportingRate(c.reported, c.expected);
  c.complete = c.rate && *c.rate >= config.min_rate;
  return c;
}

}  // namespace cw::metrics
