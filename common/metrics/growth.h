// Growth: year-on-year (total and same-enterprise 同口径), month-on-month and multi-year
// CAGR, and the period arithmetic behind them, aware of the combined January–February
// period (1-2月) of Chinese industrial statistics.
// Value types and pure functions; thread-safe.
//
// A series is a list of month values (本月) of one flow (output, tax, ...) for one unit
// (park, park × industry, ...), one entry per reported period. An entry for 1-2月 covers
// January and February together. REQUIRES for every series function: the periods of a
// series are distinct (a January–February entry and separate January/February entries may
// coexist; the combined entry is then used, since it is the published figure).
//
// Undefined results are std::nullopt:
//   - growth when the base is zero or negative (e.g. zero prior-year output);
//   - any figure of a period with a missing month (no silent understatement);
//   - a single January or February when only the combined 1-2月 is known for that year
//     (it cannot be split), including its year-on-year comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/domain/period.h"
#include "common/metrics/values.h"

namespace cw::metrics {

// One period's month value (本月; for 1-2月 the two months together), in fen or a count.
struct PeriodValue {
  domain::Period period;
  int64_t value = 0;
};

// A growth comparison: the figures compared and the rate, each nullopt when not defined.
struct Growth {
  std::optional<int64_t> current;
  std::optional<int64_t> base;
  std::optional<domain::Period> base_period;  // the period the base was taken from
  std::optional<double> rate;                 // e.g. 0.05 for +5%
};

// current / base − 1; nullopt when base <= 0.
std::optional<double> GrowthRate(int64_t current, int64_t base);

// Compound annual growth rate over `years` years: (last / first)^(1 / years) − 1.
// nullopt when years <= 0, first <= 0 or last < 0; last == 0 gives −1.
std::optional<double> Cagr(int64_t first, int64_t last, int years);

// One year's figure (an annual total, or the same year-to-date period of each year).
struct YearValue {
  int year = 0;
  int64_t value = 0;
};

// CAGR between the figures of `from_year` and `to_year` (> from_year) in `annual`;
// nullopt when either year is missing (or as Cagr). REQUIRES: years in `annual` distinct.
std::optional<double> CagrBetween(const std::vector<YearValue>& annual, int from_year,
                                  int to_year);

// Calendar months a month value of `p` covers: 2 for 1-2月, else 1.
int MonthsCovered(const domain::Period& p);

// Calendar months a year-to-date figure up to `p` covers: p.month (2 for 1-2月).
int MonthsToDate(const domain::Period& p);

// The month value of period `p`: its own entry, or for 1-2月 without one the sum of the
// January and February entries when both exist; else nullopt.
std::optional<int64_t> MonthValue(const std::vector<PeriodValue>& series,
                                  const domain::Period& p);

// Calendar months 1..MonthsToDate(p) of p.year that no entry covers, ascending.
std::vector<int> MissingMonths(const std::vector<PeriodValue>& series, const domain::Period& p);

// The year-to-date value (1—本月累计) up to `p`: the sum over months 1..p.month of p.year;
// nullopt when a month is missing, and for January alone when only 1-2月 is known. Up to
// February (single or 1-2月) it is the 1-2月 value.
std::optional<int64_t> YearToDate(const std::vector<PeriodValue>& series,
                                  const domain::Period& p);

// Year-on-year growth of the month value of `p` against the same period a year earlier
// (1-2月 against 1-2月, summing the prior year's January and February if need be).
Growth YearOnYear(const std::vector<PeriodValue>& series, const domain::Period& p);

// Year-on-year growth of the year-to-date value up to `p`.
Growth YearToDateOnYear(const std::vector<PeriodValue>& series, const domain::Period& p);

// Month-on-month growth of `p` against the period ending in the calendar month before
// p.FirstMonth() (December of the prior year before January or 1-2月): the single month
// when reported, else 1-2月 (so March compares with 1-2月). Periods of different length
// compare per month: rate = (current / MonthsCovered(p)) / (base / MonthsCovered(base)) − 1.
Growth MonthOnMonth(const std::vector<PeriodValue>& series, const domain::Period& p);

// Year-on-year growth on the same enterprises (同口径): compares this period's and the
// prior year's figures of the enterprises present in both (matched by id).
struct SameScopeGrowth {
  int64_t current_total = 0;       // all current enterprises
  int64_t prior_total = 0;         // all prior-year enterprises
  int64_t comparable_current = 0;  // enterprises in both, this period
  int64_t comparable_prior = 0;    // enterprises in both, prior year
  int64_t matched = 0;             // enterprises in both
  int64_t entered = 0;             // only this period (new, or newly above size)
  int64_t exited = 0;              // only the prior year
  std::optional<double> rate;           // comparable_current / comparable_prior − 1
  std::optional<double> headline_rate;  // current_total / prior_total − 1 (not 同口径)
};

// Fails with kInvalidArgument when an id repeats within `current` or within `prior`.
absl::StatusOr<SameScopeGrowth> SameScopeYearOnYear(const std::vector<FirmValue>& current,
                                                    const std::vector<FirmValue>& prior);

}  // namespace cw::metrics
