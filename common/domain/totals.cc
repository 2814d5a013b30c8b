#include "common/domain/totals.h"

#include <algorithm>
#include <vector>

namespace cw::domain {
namespace {

void AddMoney(clusterwatch::v1::Money* a, const clusterwatch::v1::Money& b, int sign) {
  a->set_fen(a->fen() + sign * b.fen());
}

}  // namespace

void AddTotals(clusterwatch::v1::Totals& a, const clusterwatch::v1::Totals& b, int sign) {
  AddMoney(a.mutable_gross_output(), b.gross_output(), sign);
  AddMoney(a.mutable_sales_output(), b.sales_output(), sign);
  AddMoney(a.mutable_export_delivery(), b.export_delivery(), sign);
  a.set_employees(a.employees() + sign * b.employees());
  AddMoney(a.mutable_total_tax(), b.total_tax(), sign);
  AddMoney(a.mutable_vat(), b.vat(), sign);
  AddMoney(a.mutable_corporate_income_tax(), b.corporate_income_tax(), sign);
  a.set_output_reporters(a.output_reporters() + sign * b.output_reporters());
  a.set_tax_reporters(a.tax_reporters() + sign * b.tax_reporters());
  AddMoney(a.mutable_purchases(), b.purchases(), sign);
  AddMoney(a.mutable_purchases_in_park(), b.purchases_in_park(), sign);
  AddMoney(a.mutable_purchases_in_region(), b.purchases_in_region(), sign);
}

bool IsZero(const clusterwatch::v1::Totals& t) {
  return t.gross_output().fen() == 0 && t.sales_output().fen() == 0 &&
         t.export_delivery().fen() == 0 && t.employees() == 0 && t.total_tax().fen() == 0 &&
         t.vat().fen() == 0 && t.corporate_income_tax().fen() == 0 &&
         t.output_reporters() == 0 && t.tax_reporters() == 0 && t.purchases().fen() == 0 &&
         t.purchases_in_park().fen() == 0 && t.purchases_in_region().fen() == 0;
}

bool SameTotals(const clusterwatch::v1::Totals& a, const clusterwatch::v1::Totals& b) {
  return a.gross_output().fen() == b.gross_output().fen() &&
         a.sales_output().fen() == b.sales_output().fen() &&
         a.export_delivery().fen() == b.export_delivery().fen() &&
         a.employees() == b.employees() && a.total_tax().fen() == b.total_tax().fen() &&
         a.vat().fen() == b.vat().fen() &&
         a.corporate_income_tax().fen() == b.corporate_income_tax().fen() &&
         a.output_reporters() == b.output_reporters() &&
         a.tax_reporters() == b.tax_reporters() && a.purchases().fen() == b.purchases().fen() &&
         a.purchases_in_park().fen() == b.purchases_in_park().fen() &&
         a.purchases_in_region().fen() == b.purchases_in_region().fen();
}

void ApplyContributionTotals(clusterwatch::v1::ParkAggregate& agg,
                             const clusterwatch::v1::Contribution& c, int sign) {
  AddTotals(*agg.mutable_month(), c.month(), sign);
  AddTotals(*agg.mutable_year_to_date(), c.year_to_date(), sign);
  auto& industries = *agg.mutable_industries();
  auto& ind = industries[c.industry()];
  ind.set_industry(c.industry());
  AddTotals(*ind.mutable_month(), c.month(), sign);
  AddTotals(*ind.mutable_year_to_date(), c.year_to_date(), sign);
  if (IsZero(ind.month()) && IsZero(ind.year_to_date())) industries.erase(c.industry());
}

bool HasFirm(const clusterwatch::v1::Contribution& c) {
  return c.month().output_reporters() != 0 && !c.uscc().empty();
}

bool ApplyContributionToFirm(clusterwatch::v1::FirmTotals& f,
                             const clusterwatch::v1::Contribution& c, int sign) {
  f.set_uscc(c.uscc());
  if (sign > 0) f.set_industry(c.industry());
  f.mutable_gross_output_month()->set_fen(f.gross_output_month().fen() +
                                          sign * c.month().gross_output().fen());
  f.mutable_gross_output_ytd()->set_fen(f.gross_output_ytd().fen() +
                                        sign * c.year_to_date().gross_output().fen());
  f.set_employees(f.employees() + sign * c.month().employees());
  return !(sign < 0 && f.gross_output_month().fen() == 0 && f.gross_output_ytd().fen() == 0 &&
           f.employees() == 0);
}

void ApplyContribution(clusterwatch::v1::ParkAggregate& agg,
                       const clusterwatch::v1::Contribution& c, int sign) {
  ApplyContributionTotals(agg, c, sign);
  if (!HasFirm(c)) return;  // not an output report
  auto& firms = *agg.mutable_firms();
  if (!ApplyContributionToFirm(firms[c.uscc()], c, sign)) firms.erase(c.uscc());
}

clusterwatch::v1::Period ToProto(const Period& p) {
  clusterwatch::v1::Period out;
  out.set_year(p.year);
  out.set_month(p.month);
  out.set_jan_feb(p.jan_feb);
  return out;
}

Period FromProto(const clusterwatch::v1::Period& p) {
  return Period{p.year(), p.month(), p.jan_feb()};
}

clusterwatch::v1::ParkSnapshot BuildSnapshot(const std::string& park_id, const Period& period,
                                             const clusterwatch::v1::ParkAggregate& agg,
                                             int64_t computed_unix_ms) {
  clusterwatch::v1::ParkSnapshot s;
  s.set_park_id(park_id);
  *s.mutable_period() = ToProto(period);
  *s.mutable_month() = agg.month();
  *s.mutable_year_to_date() = agg.year_to_date();
  std::vector<const clusterwatch::v1::IndustryTotals*> inds;
  for (const auto& [code, ind] : agg.industries()) inds.push_back(&ind);
  std::sort(inds.begin(), inds.end(), [](const auto* a, const auto* b) {
    if (a->month().gross_output().fen() != b->month().gross_output().fen()) {
      return a->month().gross_output().fen() > b->month().gross_output().fen();
    }
    return a->industry() < b->industry();
  });
  const double park_output = static_cast<double>(agg.month().gross_output().fen());
  for (const auto* ind : inds) {
    auto* out = s.add_industries();
    *out = *ind;
    out->set_output_share(park_output > 0 ? ind->month().gross_output().fen() / park_output
                                          : 0.0);
  }
  std::vector<const clusterwatch::v1::FirmTotals*> firms;
  for (const auto& [uscc, f] : agg.firms()) firms.push_back(&f);
  std::sort(firms.begin(), firms.end(), [](const auto* a, const auto* b) {
    return a->uscc() < b->uscc();
  });
  for (const auto* f : firms) *s.add_firms() = *f;
  s.set_computed_unix_ms(computed_unix_ms);
  s.set_source_offset(agg.source_offset());
  return s;
}

clusterwatch::v1::ParkSnapshot RegroupSnapshot(const clusterwatch::v1::ParkSnapshot& s,
                                               const IndustryRegrouping& code_of) {
  clusterwatch::v1::ParkAggregate agg;
  *agg.mutable_month() = s.month();
  *agg.mutable_year_to_date() = s.year_to_date();
  agg.set_source_offset(s.source_offset());
  auto& industries = *agg.mutable_industries();
  for (const auto& ind : s.industries()) {
    const std::string code = code_of(ind.industry());
    auto& out = industries[code];
    out.set_industry(code);
    AddTotals(*out.mutable_month(), ind.month(), 1);
    AddTotals(*out.mutable_year_to_date(), ind.year_to_date(), 1);
  }
  for (const auto& f : s.firms()) {
    auto& out = (*agg.mutable_firms())[f.uscc()];
    out = f;
    out.set_industry(code_of(f.industry()));
  }
  return BuildSnapshot(s.park_id(), FromProto(s.period()), agg, s.computed_unix_ms());
}

clusterwatch::v1::RollupAggregate RegroupRollup(const clusterwatch::v1::RollupAggregate& r,
                                                const IndustryRegrouping& code_of) {
  clusterwatch::v1::RollupAggregate out;
  *out.mutable_month() = r.month();
  *out.mutable_year_to_date() = r.year_to_date();
  out.set_parks(r.parks());
  for (const auto& [key, ind] : r.industries()) {
    const std::string code = code_of(key);
    auto& o = (*out.mutable_industries())[code];
    o.set_industry(code);
    AddTotals(*o.mutable_month(), ind.month(), 1);
    AddTotals(*o.mutable_year_to_date(), ind.year_to_date(), 1);
  }
  for (const auto& [key, n] : r.establishments()) {
    (*out.mutable_establishments())[code_of(key)] += n;
  }
  return out;
}

}  // namespace cw::domain
