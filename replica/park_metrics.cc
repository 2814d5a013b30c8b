#include "replica/park_metrics.h"

#include "common/metrics/completeness.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/domain/codes.h"
#include "absl/strings/match.h"
#include "common/domain/totals.h"
#include "replica/rollup.h"
#include "common/metrics/firms.h"
#include "common/metrics/growth.h"
#include "common/metrics/land.h"
#include "common/metrics/specialisation.h"
#include "common/metrics/stage.h"
#include "common/metrics/structure.h"
#include "common/metrics/values.h"
#include "replica/keys.h"

namespace cw::replica {
namespace pb = clusterwatch::v1;

namespace {

template <typename Setter>
void SetOpt(std::optional<double> v, Setter set) {
  if (v) set(*v);
}

// Year-on-year output growth over the enterprises that reported in both years (同口径).
std::optional<double> SameScopeYtdGrowth(const pb::ParkSnapshot& now,
                                         const pb::ParkSnapshot& before) {
  std::map<std::string, int64_t> prior;
  for (const auto& f : before.firms()) prior[f.uscc()] = f.gross_output_ytd().fen();
  int64_t cur = 0, base = 0;
  for (const auto& f : now.firms()) {
    auto it = prior.find(f.uscc());
    if (it == prior.end()) continue;
    cur += f.gross_output_ytd().fen();
    base += it->second;
  }
  return metrics::GrowthRate(cur, base);
}

}  // namespace

metrics::IndustryLevel LevelFromProto(pb::IndustryLevel level) {
  return level == pb::INDUSTRY_LEVEL_DIVISION ? metrics::IndustryLevel::kDivision
                                               : metrics::IndustryLevel::kClass;
}

pb::IndustryLevel LevelToProto(metrics::IndustryLevel level) {
  return level == metrics::IndustryLevel::kDivision ? pb::INDUSTRY_LEVEL_DIVISION
                                                    : pb::INDUSTRY_LEVEL_CLASS;
}

std::vector<metrics::ParkIndustryCell> IndustryCells(const pb::Park& park,
                                                     const pb::ParkSnapshot& s) {
  std::map<std::string, int64_t> establishments;
  for (const auto& f : s.firms()) {
    if (f.gross_output_ytd().fen() > 0) ++establishments[f.industry()];
  }
  std::vector<metrics::ParkIndustryCell> cells;
  for (const auto& ind : s.industries()) {
    const int64_t output = ind.year_to_date().gross_output().fen();
    const int64_t employees = ind.month().employees();
    if (output <= 0 && employees <= 0) continue;
    cells.push_back({s.park_id(), park.county_code(), ind.industry(), std::max<int64_t>(0, output),
                     std::max<int64_t>(0, employees), establishments[ind.industry()]});
  }
  return cells;
}

absl::StatusOr<std::vector<metrics::ParkIndustryCell>> LoadIndustryCells(
    store::Store& store, const domain::Period& period, metrics::IndustryLevel level) {
  std::vector<pb::Park> parks;
  auto s = store.Scan(keys::kParks, [&](std::string_view, std::string_view v) {
    parks.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()));
    return true;
  });
  if (!s.ok()) return s;
  std::vector<metrics::ParkIndustryCell> cells;
  const std::string key = period.Key();
  for (const auto& park : parks) {
    auto snap = store.Get(keys::Snapshot(park.id(), key));
    if (!snap.ok()) return snap.status();
    if (!snap->has_value()) continue;
    pb::ParkSnapshot snapshot;
    snapshot.ParseFromString(**snap);
    for (auto& c : IndustryCells(park, snapshot)) cells.push_back(std::move(c));
  }
  return metrics::RollUpCells(cells, level);
}

absl::StatusOr<std::map<std::string, std::vector<IndustrySpecialisation>>> SpecialisationByPark(
    const std::vector<metrics::ParkIndustryCell>& cells, const std::vector<pb::Park>& parks,
    pb::ReferenceScope scope, const metrics::SpecialisationConfig& config) {
  // Parks by the region their reference covers (as ReferenceCode: the whole system for a
  // malformed county code).
  std::map<std::pair<metrics::ReferenceScope, std::string>, std::set<std::string>> regions;
  for (const auto& park : parks) {
    metrics::ReferenceScope ref = metrics::ReferenceScope::kSystem;
    std::string prefix;
    if (park.county_code().size() == 6 && scope == pb::REFERENCE_SCOPE_PROVINCE) {
      ref = metrics::ReferenceScope::kProvince;
      prefix = park.county_code().substr(0, 2);
    } else if (park.county_code().size() == 6 && scope == pb::REFERENCE_SCOPE_PREFECTURE) {
      ref = metrics::ReferenceScope::kPrefecture;
      prefix = park.county_code().substr(0, 4);
    }
    regions[{ref, prefix}].insert(park.id());
  }
  std::map<std::string, std::vector<IndustrySpecialisation>> out;
  for (const auto& [region, members] : regions) {
    // CellsInScope compares prefixes only, so the prefix stands for a county code here.
    auto rows = metrics::AssessSpecialisation(
        metrics::CellsInScope(cells, region.second + "0000", region.first),
        metrics::ReferenceScope::kSystem, config);
    if (!rows.ok()) return rows.status();
    std::map<std::string, int> compared;
    for (const auto& r : *rows) {
      if (r.lq) ++compared[r.industry];
    }
    for (auto& r : *rows) {
      if (members.count(r.park_id) == 0) continue;
      const int n = compared[r.industry];
      std::string park = r.park_id;
      out[park].push_back({std::move(r), n});
    }
  }
  return out;
}

void SetSpecialisation(const IndustrySpecialisation& spec,
                       const metrics::SpecialisationConfig& config, pb::StrongClusterFlag* strong,
                       pb::ClusterStars* stars) {
  const metrics::SpecialisationRow& row = spec.row;
  const std::string basis =
      config.basis == metrics::Basis::kEmployees ? "employees" : "output";
  const metrics::StrongCluster& sc = row.strong;
  strong->set_strong(sc.strong);
  strong->set_basis(basis);
  strong->set_size(sc.size);
  strong->set_establishments(sc.establishments);
  strong->set_lq_percentile(config.strong_lq_percentile);
  if (sc.lq_cut) strong->set_lq_cut(*sc.lq_cut);
  strong->set_lq_floor(config.strong_lq_floor);
  strong->set_size_percentile(config.strong_size_percentile);
  if (sc.size_cut) strong->set_size_cut(*sc.size_cut);
  strong->set_count_percentile(config.strong_count_percentile);
  if (sc.count_cut) strong->set_count_cut(*sc.count_cut);
  strong->set_parks_compared(spec.parks_compared);
  const metrics::Stars& st = row.stars;
  stars->set_count(st.count);
  stars->set_specialisation(st.specialisation);
  stars->set_size(st.size);
  stars->set_focus(st.focus);
  stars->set_basis(basis);
  stars->set_specialisation_lq(config.specialisation_star_lq);
  stars->set_size_top(config.size_star_top);
  if (st.size_cut) stars->set_size_cut(*st.size_cut);
  stars->set_focus_top(config.focus_star_top);
  if (row.focus) stars->set_focus_share(*row.focus);
  if (st.focus_cut) stars->set_focus_cut(*st.focus_cut);
}

std::string ReferenceCode(const pb::Park& park, pb::ReferenceScope scope) {
  const std::string& c = park.county_code();
  if (c.size() != 6) return "r:";
  switch (scope) {
    case pb::REFERENCE_SCOPE_PROVINCE: return "r:" + c.substr(0, 2) + "0000";
    case pb::REFERENCE_SCOPE_PREFECTURE: return "r:" + c.substr(0, 4) + "00";
    default: return "r:";
  }
}

absl::StatusOr<pb::ParkMetrics> ComputeParkMetrics(const ParkMetricsInputs& in,
                                                   const metrics::MetricsConfig& config) {
  pb::ParkMetrics m;
  *m.mutable_snapshot() = in.snapshot;
  m.set_level(LevelToProto(in.level));
  // Per industry figures at the requested level; park totals are the same at every level.
  const bool by_class = in.level == metrics::IndustryLevel::kClass;
  const auto code_at_level = [&](const std::string& code) {
    return metrics::IndustryAtLevel(code, in.level);
  };
  std::optional<pb::ParkSnapshot> regrouped;
  std::optional<pb::RollupAggregate> regrouped_ref;
  if (!by_class) {
    regrouped = domain::RegroupSnapshot(in.snapshot, code_at_level);
    regrouped_ref = domain::RegroupRollup(in.reference, code_at_level);
  }
  const pb::ParkSnapshot& s = by_class ? in.snapshot : *regrouped;
  const pb::RollupAggregate& reference = by_class ? in.reference : *regrouped_ref;
  m.set_reference(in.scope == pb::REFERENCE_SCOPE_UNSPECIFIED ? pb::REFERENCE_SCOPE_SYSTEM
                                                               : in.scope);
  const auto period = domain::FromProto(s.period());
  const int months = metrics::MonthsToDate(period);
  const int64_t out_ytd = s.year_to_date().gross_output().fen();

  // Growth.
  if (in.last_year) {
    const auto& ly = *in.last_year;
    SetOpt(metrics::GrowthRate(s.month().gross_output().fen(), ly.month().gross_output().fen()),
           [&](double v) { m.set_output_yoy(v); });
    SetOpt(metrics::GrowthRate(out_ytd, ly.year_to_date().gross_output().fen()),
           [&](double v) { m.set_output_ytd_yoy(v); });
    SetOpt(metrics::GrowthRate(s.year_to_date().total_tax().fen(),
                               ly.year_to_date().total_tax().fen()),
           [&](double v) { m.set_tax_ytd_yoy(v); });
    SetOpt(SameScopeYtdGrowth(s, ly), [&](double v) { m.set_output_ytd_yoy_same_scope(v); });
  }
  if (in.previous) {
    // Per month, so March compares with the monthly average of 1-2月.
    const auto prev_period = domain::FromProto(in.previous->period());
    const double cur = static_cast<double>(s.month().gross_output().fen()) /
                       metrics::MonthsCovered(period);
    const double base = static_cast<double>(in.previous->month().gross_output().fen()) /
                        metrics::MonthsCovered(prev_period);
    if (base > 0) m.set_output_mom(cur / base - 1);
  }

  // Industry structure, on year-to-date output.
  std::vector<metrics::IndustryValue> inds;
  for (const auto& ind : s.industries()) {
    if (ind.year_to_date().gross_output().fen() > 0) {
      inds.push_back({ind.industry(), ind.year_to_date().gross_output().fen()});
    }
  }
  std::vector<std::string> leading(in.park.leading_industries().begin(),
                                   in.park.leading_industries().end());
  auto structure = metrics::ComputeStructure(inds, leading);
  if (!structure.ok()) return structure.status();
  if (!by_class) {
    // The declared leading industries are classes (or divisions): their share is taken on
    // the published classes, so it does not depend on the level asked for.
    std::vector<metrics::IndustryValue> classes;
    for (const auto& ind : in.snapshot.industries()) {
      if (ind.year_to_date().gross_output().fen() > 0) {
        classes.push_back({ind.industry(), ind.year_to_date().gross_output().fen()});
      }
    }
    auto by_classes = metrics::ComputeStructure(classes, leading);
    if (!by_classes.ok()) return by_classes.status();
    structure->leading_share = by_classes->leading_share;
  }
  m.set_industries(structure->n_industries);
  SetOpt(structure->cr1, [&](double v) { m.set_industry_cr1(v); });
  SetOpt(structure->cr3, [&](double v) { m.set_industry_cr3(v); });
  SetOpt(structure->cr5, [&](double v) { m.set_industry_cr5(v); });
  SetOpt(structure->hhi, [&](double v) { m.set_hhi(v); });
  if (structure->dominant) m.set_dominant_industry(structure->dominant->industry);
  SetOpt(structure->leading_share, [&](double v) { m.set_leading_industry_share(v); });

  // Firm concentration, year to date, annualised for the thresholds.
  std::map<std::string, std::string> names;
  std::vector<std::string> expected_ids;  // the registry's above-size enterprises
  for (const auto& e : in.enterprises) {
    names[e.uscc()] = e.name();
    if (e.above_size()) expected_ids.push_back(e.uscc());
  }
  const auto expected = static_cast<int64_t>(expected_ids.size());
  std::vector<metrics::FirmValue> firms;
  std::map<std::string, std::vector<const pb::FirmTotals*>> firms_by_industry;
  for (const auto& f : s.firms()) {
    firms.push_back({f.uscc(), names[f.uscc()], std::max<int64_t>(0, f.gross_output_ytd().fen())});
    if (f.gross_output_ytd().fen() > 0) firms_by_industry[f.industry()].push_back(&f);
  }
  auto fc = metrics::ComputeFirmConcentration(firms, config.firms, months);
  if (!fc.ok()) return fc.status();
  SetOpt(fc->cr1, [&](double v) { m.set_firm_cr1(v); });
  SetOpt(fc->cr3, [&](double v) { m.set_firm_cr3(v); });
  for (const auto& t : fc->over_thresholds) {
    auto* out = m.add_over_thresholds();
    out->mutable_annual_output()->set_fen(t.threshold_fen);
    out->set_enterprises(t.count);
  }
  for (const auto& f : fc->leading) {
    auto* out = m.add_leading_firms();
    out->set_uscc(f.id);
    out->set_name(f.name);
    out->set_share(f.share);
  }

  // Land efficiency.
  auto land = metrics::ComputeLandEfficiency(
      {in.park.id(), in.park.area_mu(), out_ytd, s.year_to_date().total_tax().fen(), months});
  SetOpt(land.output_per_mu_yuan, [&](double v) { m.set_output_per_mu(v); });
  SetOpt(land.tax_per_mu_yuan, [&](double v) { m.set_tax_per_mu(v); });

  // Linkage and completeness.
  const auto& y = s.year_to_date();
  SetOpt(metrics::Ratio(y.purchases_in_park().fen(), y.purchases().fen()),
         [&](double v) { m.set_in_park_purchase_share(v); });
  SetOpt(metrics::Ratio(y.purchases_in_region().fen(), y.purchases().fen()),
         [&](double v) { m.set_in_region_purchase_share(v); });
  m.set_expected_enterprises(expected);
  // Of the expected enterprises, those that reported output for the month (a firm entry is
  // there exactly for the month's output reporters); others do not raise the rate.
  std::vector<std::string> reported_ids;
  for (const auto& f : s.firms()) reported_ids.push_back(f.uscc());
  SetOpt(metrics::ComputeCompleteness(expected_ids, reported_ids, config.completeness).rate,
         [&](double v) { m.set_completeness(v); });

  // Per industry: specialisation against the reference, and the cluster stage.
  const int64_t ref_total = reference.year_to_date().gross_output().fen();
  std::map<std::string, const IndustrySpecialisation*> specialisation;
  for (const auto& sp : in.specialisation) specialisation[sp.row.industry] = &sp;
  for (const auto& ind : s.industries()) {
    const int64_t ytd = ind.year_to_date().gross_output().fen();
    auto* im = m.add_industry_metrics();
    im->set_industry(ind.industry());
    im->set_division_name(std::string(domain::IndustryDivisionName(ind.industry().substr(0, 2))));
    *im->mutable_month_output() = ind.month().gross_output();
    *im->mutable_ytd_output() = ind.year_to_date().gross_output();
    im->set_share(ind.output_share());
    int64_t ref_ind = 0;
    auto it = reference.industries().find(ind.industry());
    if (it != reference.industries().end()) ref_ind = it->second.year_to_date().gross_output().fen();
    auto lq = metrics::LocationQuotient(ytd, out_ytd, ref_ind, ref_total);
    SetOpt(lq, [&](double v) { im->set_lq(v); });
    const auto& members = firms_by_industry[ind.industry()];
    im->set_enterprises(static_cast<int64_t>(members.size()));
    int64_t leader = 0;
    for (const auto* f : members) leader = std::max(leader, f->gross_output_ytd().fen());
    const auto& iy = ind.year_to_date();
    auto in_park = metrics::Ratio(iy.purchases_in_park().fen(), iy.purchases().fen());
    auto in_region = metrics::Ratio(iy.purchases_in_region().fen(), iy.purchases().fen());
    SetOpt(in_region, [&](double v) { im->set_in_region_purchase_share(v); });
    if (auto sp = specialisation.find(ind.industry()); sp != specialisation.end()) {
      SetSpecialisation(*sp->second, config.specialisation, im->mutable_strong_cluster(),
                        im->mutable_stars());
    }
    if (ytd <= 0) continue;  // no output: no stage
    metrics::StageInput si;
    si.park_id = in.park.id();
    si.industry = ind.industry();
    si.output_fen = ytd;
    si.months_covered = months;
    si.enterprises = static_cast<int64_t>(members.size());
    si.lq = lq;
    si.in_park_share = in_park;
    si.in_region_share = in_region;
    si.leader_output_fen = std::min(leader, ytd);
    auto stage = metrics::ClassifyStage(si, config.stage);
    if (!stage.ok()) return stage.status();
    auto* st = im->mutable_stage();
    st->set_stage(std::string(metrics::StageNameEn(stage->stage)));
    st->set_stage_zh(std::string(metrics::StageNameZh(stage->stage)));
    for (const auto& c : stage->criteria) {
      auto* out = st->add_criteria();
      out->set_key(c.key);
      out->set_passed(c.passed);
      out->set_zh(c.zh);
      out->set_en(c.en);
    }
    st->set_explanation_zh(stage->explanation_zh);
    st->set_explanation_en(stage->explanation_en);
  }
  return m;
}

absl::StatusOr<std::optional<double>> MetricValue(const pb::ParkMetrics& m,
                                                  const std::string& name) {
  using Get = std::function<std::optional<double>(const pb::ParkMetrics&)>;
  auto opt = [](bool has, double v) { return has ? std::optional<double>(v) : std::nullopt; };
  static const auto* const kMetrics = new std::map<std::string, Get>{
      {"output_month", [](const pb::ParkMetrics& x) -> std::optional<double> {
         return static_cast<double>(x.snapshot().month().gross_output().fen()) / 100;
       }},
      {"output_ytd", [](const pb::ParkMetrics& x) -> std::optional<double> {
         return static_cast<double>(x.snapshot().year_to_date().gross_output().fen()) / 100;
       }},
      {"tax_ytd", [](const pb::ParkMetrics& x) -> std::optional<double> {
         return static_cast<double>(x.snapshot().year_to_date().total_tax().fen()) / 100;
       }},
      {"employees", [](const pb::ParkMetrics& x) -> std::optional<double> {
         return static_cast<double>(x.snapshot().month().employees());
       }},
  };
  auto it = kMetrics->find(name);
  if (it != kMetrics->end()) return it->second(m);
  if (name == "output_yoy") return opt(m.has_output_yoy(), m.output_yoy());
  if (name == "output_ytd_yoy") return opt(m.has_output_ytd_yoy(), m.output_ytd_yoy());
  if (name == "output_ytd_yoy_same_scope") {
    return opt(m.has_output_ytd_yoy_same_scope(), m.output_ytd_yoy_same_scope());
  }
  if (name == "tax_ytd_yoy") return opt(m.has_tax_ytd_yoy(), m.tax_ytd_yoy());
  if (name == "output_mom") return opt(m.has_output_mom(), m.output_mom());
  if (name == "hhi") return opt(m.has_hhi(), m.hhi());
  if (name == "industry_cr5") return opt(m.has_industry_cr5(), m.industry_cr5());
  if (name == "leading_industry_share") {
    return opt(m.has_leading_industry_share(), m.leading_industry_share());
  }
  if (name == "firm_cr1") return opt(m.has_firm_cr1(), m.firm_cr1());
  if (name == "firm_cr3") return opt(m.has_firm_cr3(), m.firm_cr3());
  if (name == "output_per_mu") return opt(m.has_output_per_mu(), m.output_per_mu());
  if (name == "tax_per_mu") return opt(m.has_tax_per_mu(), m.tax_per_mu());
  if (name == "in_park_purchase_share") {
    return opt(m.has_in_park_purchase_share(), m.in_park_purchase_share());
  }
  if (name == "in_region_purchase_share") {
    return opt(m.has_in_region_purchase_share(), m.in_region_purchase_share());
  }
  if (name == "completeness") return opt(m.has_completeness(), m.completeness());
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown metric '", name,
      "' (expected one of output_month, output_ytd, tax_ytd, employees, output_yoy, "
      "output_ytd_yoy, output_ytd_yoy_same_scope, tax_ytd_yoy, output_mom, hhi, "
      "industry_cr5, leading_industry_share, firm_cr1, firm_cr3, output_per_mu, tax_per_mu, "
      "in_park_purchase_share, in_region_purchase_share, completeness)"));
}

absl::StatusOr<ParkMetricsInputs> LoadParkMetricsInputs(store::Store& store_,
                                                        const std::string& park_id,
                                                        const domain::Period& period,
                                                        pb::ReferenceScope scope) {
  ParkMetricsInputs in;
  in.scope = scope;
  auto park = store_.Get(keys::Park(park_id));
  if (!park.ok()) return park.status();
  if (!park->has_value()) {
    return absl::NotFoundError(absl::StrCat("park '", park_id, "' is not in the registry"));
  }
  in.park.ParseFromString(**park);
  auto snap = store_.Get(keys::Snapshot(park_id, period.Key()));
  if (!snap.ok()) return snap.status();
  if (!snap->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("no reports for park '", park_id, "' in ", period.Key()));
  }
  in.snapshot.ParseFromString(**snap);
  auto ly = store_.Get(keys::Snapshot(park_id, domain::SameLastYear(period).Key()));
  if (!ly.ok()) return ly.status();
  if (ly->has_value()) in.last_year.emplace().ParseFromString(**ly);
  // The previous period: the latest earlier snapshot, if it is the adjacent period.
  const std::string prefix = keys::Snapshots(park_id);
  const std::string key = period.Key();
  std::optional<pb::ParkSnapshot> prev;
  std::optional<std::string> prev_bytes;  // decoded once, after the scan: only the latest
  auto s = store_.Scan(prefix, [&](std::string_view k, std::string_view v) {
    if (k.substr(prefix.size()) >= key) return false;
    prev_bytes.emplace(v);
    return true;
  });
  if (!s.ok()) return s;
  if (prev_bytes) prev.emplace().ParseFromString(*prev_bytes);
  if (prev) {
    const auto pp = domain::FromProto(prev->period());
    const int first = period.FirstMonth();
    const bool adjacent = (first > 1 && pp.year == period.year && pp.month == first - 1) ||
                          (first == 1 && pp.year == period.year - 1 && pp.month == 12);
    if (adjacent) in.previous = std::move(prev);
  }
  auto ref = store_.Get(keys::Rollup(ReferenceCode(in.park, scope), key));
  if (!ref.ok()) return ref.status();
  if (ref->has_value()) in.reference.ParseFromString(**ref);
  s = store_.Scan(keys::Enterprises(park_id), [&](std::string_view, std::string_view v) {
    in.enterprises.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()));
    return true;
  });
  if (!s.ok()) return s;
  return in;
}

}  // namespace cw::replica
