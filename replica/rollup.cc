#include "replica/rollup.h"

#include "absl/strings/str_cat.h"
#include "common/domain/totals.h"

namespace cw::replica {

std::vector<std::string> RollupCodes(const clusterwatch::v1::Park& park) {
  std::vector<std::string> codes;
  const std::string& c = park.county_code();
  if (c.size() == 6) {
    codes.push_back("r:" + c);
    if (c.substr(4) != "00") codes.push_back("r:" + c.substr(0, 4) + "00");
    if (c.substr(2) != "0000") codes.push_back("r:" + c.substr(0, 2) + "0000");
  }
  codes.push_back("r:");
  for (const auto& g : park.groups()) codes.push_back("g:" + g);
  return codes;
}

void ApplySnapshot(clusterwatch::v1::RollupAggregate& rollup,
                   const clusterwatch::v1::ParkSnapshot& s, int sign) {
  domain::AddTotals(*rollup.mutable_month(), s.month(), sign);
  domain::AddTotals(*rollup.mutable_year_to_date(), s.year_to_date(), sign);
  auto& industries = *rollup.mutable_industries();
  for (const auto& ind : s.industries()) {
    auto& r = industries[ind.industry()];
    r.set_industry(ind.industry());
    domain::AddTotals(*r.mutable_month(), ind.month(), sign);
    domain::AddTotals(*r.mutable_year_to_date(), ind.year_to_date(), sign);
    if (domain::IsZero(r.month()) && domain::IsZero(r.year_to_date())) {
      industries.erase(ind.industry());
    }
  }
  auto& est = *rollup.mutable_establishments();
  for (const auto& f : s.firms()) {
    if (f.gross_output_ytd().fen() <= 0) continue;
    auto& n = est[f.industry()];
    n += sign;
    if (n == 0) est.erase(f.industry());
  }
  rollup.set_parks(rollup.parks() + sign);
}

}  // namespace cw::replica
