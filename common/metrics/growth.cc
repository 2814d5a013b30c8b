// Growth rates and period arithmetic. See growth.h.
#include "common/metrics/growth.h"

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cw::metrics {
namespace {

using domain::Period;

// 1-2月 always carries month 2.
Period Normal(Period p) {
  if (p.jan_feb) p.month = 2;
  return p;
}

Period Single(int year, int month) { return Period{year, month, false}; }
Period JanFeb(int year) { return Period{year, 2, true}; }

// The entry of exactly period `p`, if any.
std::optional<int64_t> Exact(const std::vector<PeriodValue>& series, const Period& p) {
  for (const PeriodValue& v : series) {
    if (Normal(v.period) == p) return v.value;
  }
  return std::nullopt;
}

absl::Status CheckUnique(const std::vector<FirmValue>& firms, const char* which) {
  std::map<std::string, int> seen;
  for (const FirmValue& f : firms) {
    if (++seen[f.id] == 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "enterprise %s appears more than once in the %s figures (expected one figure per "
          "enterprise)",
          f.id, which));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<double> GrowthRate(int64_t current, int64_t base) {
  if (base <= 0) return std::nullopt;
  // The difference first, exactly, so that 110 against 100 is 0.1 to the last bit.
  const __int128 change = static_cast<__int128>(current) - base;
  return static_cast<double>(change) / static_cast<double>(base);
}

std::optional<double> Cagr(int64_t first, int64_t last, int years) {
  if (years <= 0 || first <= 0 || last < 0) return std::nullopt;
  if (last == 0) return -1.0;
  return std::pow(static_cast<double>(last) / static_cast<double>(first), 1.0 / years) - 1.0;
}

std::optional<double> CagrBetween(const std::vector<YearValue>& annual, int from_year,
                                  int to_year) {
  std::optional<int64_t> first;
  std::optional<int64_t> last;
  for (const YearValue& v : annual) {
    if (v.year == from_year && !first) first = v.value;
    if (v.year == to_year && !last) last = v.value;
  }
  if (!first || !last) return std::nullopt;
  return Cagr(*first, *last, to_year - from_year);
}

int MonthsCovered(const Period& p) { return p.jan_feb ? 2 : 1; }

int MonthsToDate(const Period& p) { return Normal(p).month; }

std::optional<int64_t> MonthValue(const std::vector<PeriodValue>& series, const Period& period) {
  const Period p = Normal(period);
  if (std::optional<int64_t> v = Exact(series, p)) return v;
  if (!p.jan_feb) return std::nullopt;
  const std::optional<int64_t> jan = Exact(series, Single(p.year, 1));
  const std::optional<int64_t> feb = Exact(series, Single(p.year, 2));
  if (!jan || !feb) return std::nullopt;
  return *jan + *feb;
}

std::vector<int> MissingMonths(const std::vector<PeriodValue>& series, const Period& period) {
  const Period p = Normal(period);
  const bool combined = Exact(series, JanFeb(p.year)).has_value();
  std::vector<int> missing;
  for (int m = 1; m <= p.month; ++m) {
    if (m <= 2 && combined) continue;
    if (!Exact(series, Single(p.year, m))) missing.push_back(m);
  }
  return missing;
}

std::optional<int64_t> YearToDate(const std::vector<PeriodValue>& series,
                                  const Period& period) {
  const Period p = Normal(period);
  int64_t sum = 0;
  int first_single = 1;
  if (p.month >= 2) {
    if (std::optional<int64_t> jf = Exact(series, JanFeb(p.year))) {
      sum = *jf;
      first_single = 3;
    }
  }
  for (int m = first_single; m <= p.month; ++m) {
    const std::optional<int64_t> v = Exact(series, Single(p.year, m));
    if (!v) return std::nullopt;
    sum += *v;
  }
  return sum;
}

Growth YearOnYear(const std::vector<PeriodValue>& series, const Period& period) {
  const Period p = Normal(period);
  Growth g;
  g.current = MonthValue(series, p);
  g.base_period = domain::SameLastYear(p);
  g.base = MonthValue(series, *g.base_period);
  if (g.current && g.base) g.rate = GrowthRate(*g.current, *g.base);
  return g;
}

Growth YearToDateOnYear(const std::vector<PeriodValue>& series, const Period& period) {
  const Period p = Normal(period);
  Growth g;
  g.current = YearToDate(series, p);
  g.base_period = domain::SameLastYear(p);
  g.base = YearToDate(series, *g.base_period);
  if (g.current && g.base) g.rate = GrowthRate(*g.current, *g.base);
  return g;
}

Growth MonthOnMonth(const std::vector<PeriodValue>& series, const Period& period) {
  const Period p = Normal(period);
  Growth g;
  g.current = MonthValue(series, p);
  const int first = p.FirstMonth();
  const int year = first == 1 ? p.year - 1 : p.year;
  const int month = first == 1 ? 12 : first - 1;
  Period base = Single(year, month);
  g.base = Exact(series, base);
  if (!g.base && month == 2) {
    // No single February: the period ending in February is 1-2月 (reported or summed).
    if (std::optional<int64_t> jf = MonthValue(series, JanFeb(year))) {
      base = JanFeb(year);
      g.base = jf;
    }
  }
  g.base_period = base;
  if (g.current && g.base && *g.base > 0) {
    // Per month: (current / m_current) / (base / m_base) − 1, over a common denominator.
    const __int128 scaled_current = static_cast<__int128>(*g.current) * MonthsCovered(base);
    const __int128 scaled_base = static_cast<__int128>(*g.base) * MonthsCovered(p);
    g.rate = static_cast<double>(scaled_current - scaled_base) /
             static_cast<double>(scaled_base);
  }
  return g;
}

absl::StatusOr<SameScopeGrowth> SameScopeYearOnYear(const std::vector<FirmValue>& current,
                                                    const std::vector<FirmValue>& prior) {
  if (absl::Status s = CheckUnique(current, "current"); !s.ok()) return s;
  if (absl::Status s = CheckUnique(prior, "prior-year"); !s.ok()) return s;
  std::map<std::string, int64_t> prior_by_id;
  SameScopeGrowth g;
  for (const FirmValue& f : prior) {
    prior_by_id[f.id] = f.value_fen;
    g.prior_total += f.value_fen;
  }
  for (const FirmValue& f : current) {
    g.current_total += f.value_fen;
    auto it = prior_by_id.find(f.id);
    if (it == prior_by_id.end()) {
      ++g.entered;
      continue;
    }
    ++g.matched;
    g.comparable_current += f.value_fen;
    g.comparable_prior += it->second;
  }
  g.exited = static_cast<int64_t>(prior.size()) - g.matched;
  g.rate = GrowthRate(g.comparable_current, g.comparable_prior);
  g.headline_rate = GrowthRate(g.current_total, g.prior_total);
  return g;
}

}  // namespace cw::metrics
