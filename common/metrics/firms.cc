// Firm concentration. See firms.h.
#include "common/metrics/firms.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cw::metrics {
namespace {

absl::Status CheckFirms(const std::vector<FirmValue>& firms, int months_covered) {
  if (months_covered < 1 || months_covered > 12) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "months covered %d is outside 1..12 (expected the months of the year the figures "
        "cover)",
        months_covered));
  }
  std::set<std::string> seen;
  for (const FirmValue& f : firms) {
    if (!seen.insert(f.id).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "enterprise %s appears more than once (expected one figure per enterprise)", f.id));
    }
    if (f.value_fen < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "enterprise %s has a negative output %d fen (expected a figure >= 0)", f.id,
          f.value_fen));
    }
  }
  return absl::OkStatus();
}

// Enterprises with output > 0, largest first, ties by id.
std::vector<const FirmValue*> Ranked(const std::vector<FirmValue>& firms) {
  std::vector<const FirmValue*> ranked;
  for (const FirmValue& f : firms) {
    if (f.value_fen > 0) ranked.push_back(&f);
  }
  std::sort(ranked.begin(), ranked.end(), [](const FirmValue* a, const FirmValue* b) {
    if (a->value_fen != b->value_fen) return a->value_fen > b->value_fen;
    return a->id < b->id;
  });
  return ranked;
}

}  // namespace

std::vector<FirmShare> LeadingFirms(const std::vector<FirmValue>& firms, int n) {
  int64_t total = 0;
  for (const FirmValue& f : firms) {
    if (f.value_fen > 0) total += f.value_fen;
  }
  std::vector<FirmShare> out;
  for (const FirmValue* f : Ranked(firms)) {
    if (static_cast<int>(out.size()) >= n) break;
    out.push_back(FirmShare{f->id, f->name, f->value_fen,
                            static_cast<double>(f->value_fen) / static_cast<double>(total)});
  }
  return out;
}

absl::StatusOr<std::vector<ThresholdCount>> CountAtOrAbove(
    const std::vector<FirmValue>& firms, const std::vector<int64_t>& thresholds_fen,
    int months_covered) {
  if (absl::Status s = CheckFirms(firms, months_covered); !s.ok()) return s;
  std::vector<int64_t> annual;
  for (const FirmValue& f : firms) {
    // Months are checked, so only an overflow (beyond any real output) is nullopt: it
    // counts as above every threshold.
    annual.push_back(Annualise(f.value_fen, months_covered)
                         .value_or(std::numeric_limits<int64_t>::max()));
  }
  std::vector<ThresholdCount> counts;
  for (int64_t t : thresholds_fen) {
    const int64_t n = std::count_if(annual.begin(), annual.end(),
                                    [t](int64_t v) { return v >= t; });
    counts.push_back(ThresholdCount{t, n});
  }
  return counts;
}

absl::StatusOr<FirmConcentration> ComputeFirmConcentration(const std::vector<FirmValue>& firms,
                                                           const FirmConfig& config,
                                                           int months_covered) {
  absl::StatusOr<std::vector<ThresholdCount>> counts =
      CountAtOrAbove(firms, config.output_thresholds_fen, months_covered);
  if (!counts.ok()) return counts.status();
  FirmConcentration c;
  c.firms = static_cast<int64_t>(firms.size());
  c.over_thresholds = *std::move(counts);
  const std::vector<const FirmValue*> ranked = Ranked(firms);
  c.firms_with_output = static_cast<int64_t>(ranked.size());
  int64_t top1 = 0;
  int64_t top3 = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    c.total_fen += ranked[i]->value_fen;
    if (i < 1) top1 += ranked[i]->value_fen;
    if (i < 3) top3 += ranked[i]->value_fen;
  }
  if (c.total_fen > 0) {
    c.cr1 = static_cast<double>(top1) / static_cast<double>(c.total_fen);
    c.cr3 = static_cast<double>(top3) / static_cast<double>(c.total_fen);
  }
  c.leading = LeadingFirms(firms, config.leading_count);
  return c;
}

}  // namespace cw::metrics
