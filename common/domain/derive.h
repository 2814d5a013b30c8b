// Month ↔ year-to-date derivation for one enterprise's reports of one kind in one year.
// Pure; thread-safe.
//
// Rule (documented in docs/semantics.md): periods are taken in key order. For each reported
// period p, with q the latest earlier reported period of the same year:
//   basis MONTH:          month(p) = value(p);          ytd(p) = ytd(q) + value(p)  (or value(p))
//   basis YEAR_TO_DATE:   ytd(p)   = value(p);          month(p) = ytd(p) − ytd(q)  (or value(p))
// so a missing month contributes nothing, and a year-to-date report after a gap carries the
// gap. Levels (employees) are not cumulated: ytd employees = the period's own value.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/domain/period.h"

namespace cw::domain {

inline constexpr int kFlowFields = 9;  // money flows summed over months

struct PeriodValues {
  Period period;
  bool ytd_basis = false;
  std::array<int64_t, kFlowFields> flows{};  // as reported (month or ytd)
  int64_t level = 0;                          // employees
};

struct DerivedValues {
  Period period;
  std::array<int64_t, kFlowFields> month{};
  std::array<int64_t, kFlowFields> ytd{};
  int64_t level = 0;
};

// REQUIRES: all periods in `reported` are of one year and distinct. Any order.
// Returns one entry per reported period, in period order.
std::vector<DerivedValues> DeriveYear(std::vector<PeriodValues> reported);

}  // namespace cw::domain
