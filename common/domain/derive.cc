// Month ↔ year-to-date derivation. See derive.h for the rule.
#include "common/domain/derive.h"

#include <algorithm>
#include <vector>

namespace cw::domain {

std::vector<DerivedValues> DeriveYear(std::vector<PeriodValues> reported) {
  std::sort(reported.begin(), reported.end(),
            [](const PeriodValues& a, const PeriodValues& b) {
              return PeriodLess(a.period, b.period);
            });
  std::vector<DerivedValues> out;
  out.reserve(reported.size());
  for (const PeriodValues& p : reported) {
    DerivedValues d;
    d.period = p.period;
    d.level = p.level;  // levels are not cumulated
    const DerivedValues* q = out.empty() ? nullptr : &out.back();
    for (int f = 0; f < kFlowFields; ++f) {
      const int64_t value = p.flows[f];
      const int64_t previous_ytd = q == nullptr ? 0 : q->ytd[f];
      if (p.ytd_basis) {
        d.ytd[f] = value;
        d.month[f] = value - previous_ytd;
      } else {
        d.month[f] = value;
        d.ytd[f] = previous_ytd + value;
      }
    }
    out.push_back(d);
  }
  return out;
}

}  // namespace cw::domain
