#include "replica/redact.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"
#include "replica/keys.h"

namespace cw::replica {
namespace pb = clusterwatch::v1;

namespace {

// The first confidential class cell of `park` under `industry` (itself for a class).
const disclosure::CellStatus* ConfidentialCell(const disclosure::TableStatus& status,
                                               const std::string& park,
                                               const std::string& industry) {
  if (industry.size() >= 4) {
    auto it = status.cells.find({park, industry});
    return it != status.cells.end() && it->second.confidential ? &it->second : nullptr;
  }
  for (auto it = status.cells.lower_bound({park, industry});
       it != status.cells.end() && it->first.first == park &&
       it->first.second.compare(0, industry.size(), industry) == 0;
       ++it) {
    if (it->second.confidential) return &it->second;
  }
  return nullptr;
}

}  // namespace

bool PeriodProtection::CellConfidential(const std::string& park,
                                        const std::string& industry) const {
  return ConfidentialCell(status, park, industry) != nullptr;
}

bool PeriodProtection::ParkConfidential(const std::string& park) const {
  auto it = status.row_totals.find(park);
  return it != status.row_totals.end() && it->second.confidential;
}

bool PeriodProtection::AnyCellConfidential(const std::string& park) const {
  for (auto it = status.cells.lower_bound({park, ""});
       it != status.cells.end() && it->first.first == park; ++it) {
    if (it->second.confidential) return true;
  }
  return false;
}

bool PeriodProtection::IndustryConfidential(const std::string& industry) const {
  auto it = status.col_totals.find(industry);
  return it != status.col_totals.end() && it->second.confidential;
}

std::string PeriodProtection::CellReason(const std::string& park,
                                         const std::string& industry) const {
  const disclosure::CellStatus* cell = ConfidentialCell(status, park, industry);
  return cell == nullptr ? "" : std::string(disclosure::ReasonName(cell->reason));
}

std::string PeriodProtection::ParkReason(const std::string& park) const {
  auto it = status.row_totals.find(park);
  return it == status.row_totals.end() ? ""
                                       : std::string(disclosure::ReasonName(it->second.reason));
}

Redactor::Redactor(store::Store& store, disclosure::Rules rules)
    : store_(store), rules_(rules) {}

absl::StatusOr<std::map<std::string, disclosure::TableStatus>> Redactor::YearTables(
    const std::string& year, const std::string& upto) {
  std::map<std::string, disclosure::Table> tables;
  std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> names;
  auto s = store_.Scan(keys::kSnapshots, [&](std::string_view k, std::string_view v) {
    const auto bar = k.rfind('|');
    if (bar == std::string_view::npos) return true;
    const std::string key(k.substr(bar + 1));
    if (key.compare(0, 4, year) != 0 || key > upto) return true;
    pb::ParkSnapshot snap;
    snap.ParseFromArray(v.data(), static_cast<int>(v.size()));
    disclosure::Table& table = tables[key];
    auto& [rows, cols] = names[key];
    rows.insert(snap.park_id());
    for (const auto& f : snap.firms()) {
      if (f.gross_output_ytd().fen() <= 0) continue;
      cols.insert(f.industry());
      auto& cell = table.cells[{snap.park_id(), f.industry()}];
      cell.id = absl::StrCat(snap.park_id(), "|", f.industry());
      cell.contributors.push_back({f.uscc(), f.gross_output_ytd().fen()});
    }
    return true;
  });
  if (!s.ok()) return s;
  std::map<std::string, disclosure::TableStatus> out;
  const disclosure::TableStatus* previous = nullptr;
  for (auto& [key, table] : tables) {
    table.rows.assign(names[key].first.begin(), names[key].first.end());
    table.cols.assign(names[key].second.begin(), names[key].second.end());
    if (previous != nullptr) table.carried = disclosure::WithheldKeys(*previous);
    auto status = disclosure::Protect(table, rules_);
    if (!status.ok()) return status.status();
    previous = &(out[key] = std::move(*status));
  }
  return out;
}

namespace {

std::set<std::string> WithheldParks(const disclosure::TableStatus& status) {
  std::set<std::string> parks;
  for (const auto& [park, cell] : status.row_totals) {
    if (cell.confidential) parks.insert(park);
  }
  return parks;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const PeriodProtection>> Redactor::ForPeriod(
    const std::string& period_key, int64_t version) {
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(period_key);
    if (it != cache_.end() && it->second.first == version) return it->second.second;
  }
  // The year's periods up to this one, each protected with the withheld cells of the one
  // before carried (secondary.h Table::carried), so a cell withheld earlier in the year is
  // never published later, when its year to date minus its month would give the withheld
  // value; and last year's, for the rates that compare with it.
  const std::string year = period_key.substr(0, 4);
  int y = 0;
  if (!absl::SimpleAtoi(year, &y)) {
    return absl::InvalidArgumentError(absl::StrCat("period key '", period_key, "'"));
  }
  auto now = YearTables(year, period_key);
  if (!now.ok()) return now.status();
  auto before = YearTables(absl::StrCat(y - 1), "~");
  if (!before.ok()) return before.status();
  if (!now->contains(period_key)) (*now)[period_key];  // no snapshot: an empty table
  std::shared_ptr<const PeriodProtection> asked;
  for (auto& [key, status] : *now) {
    auto p = std::make_shared<PeriodProtection>();
    p->status = std::move(status);
    if (auto period = domain::ParsePeriod(key); period.ok()) {
      auto ly = before->find(domain::SameLastYear(*period).Key());
      if (ly != before->end()) p->parks_withheld_year_before = WithheldParks(ly->second);
    }
    if (key == now->begin()->first && !before->empty()) {
      p->parks_withheld_period_before = WithheldParks(before->rbegin()->second);
    }
    {
      absl::MutexLock lock(&mu_);
      cache_[key] = {version, p};
    }
    if (key == period_key) asked = p;
  }
  return asked;
}

int64_t Redactor::Snapshot(const PeriodProtection& p, pb::ParkSnapshot* s) const {
  int64_t withheld = 0;
  s->clear_firms();
  if (p.ParkConfidential(s->park_id())) {
    s->clear_month();
    s->clear_year_to_date();
    s->set_confidential(true);
    s->set_confidential_reason(p.ParkReason(s->park_id()));
    ++withheld;
  }
  for (auto& ind : *s->mutable_industries()) {
    if (!p.CellConfidential(s->park_id(), ind.industry()) && !s->confidential()) continue;
    ind.clear_month();
    ind.clear_year_to_date();
    ind.set_output_share(0);
    ind.set_confidential(true);
    ind.set_confidential_reason(s->confidential() ? "park_total"
                                                  : p.CellReason(s->park_id(), ind.industry()));
    ++withheld;
  }
  return withheld;
}

int64_t Redactor::Metrics(const PeriodProtection& p, pb::ParkMetrics* m) const {
  const std::string park = m->snapshot().park_id();
  int64_t withheld = Snapshot(p, m->mutable_snapshot());
  // Enterprise level: never for aggregate-only roles.
  m->clear_leading_firms();
  m->clear_firm_cr1();
  m->clear_firm_cr3();
  bool any_cell = false;
  for (auto& im : *m->mutable_industry_metrics()) {
    if (im.has_strong_cluster() || im.has_stars()) {
      RedactSpecialisationCuts(im.mutable_strong_cluster(), im.mutable_stars());
    }
    if (!p.CellConfidential(park, im.industry()) && !m->snapshot().confidential()) continue;
    any_cell = true;
    if (im.has_strong_cluster() || im.has_stars()) {
      RedactSpecialisationFigures(im.mutable_strong_cluster(), im.mutable_stars());
    }
    im.clear_month_output();
    im.clear_ytd_output();
    im.set_share(0);
    im.clear_lq();
    im.clear_in_region_purchase_share();
    // The stage stays (a category); the figures that decided it would reveal the cell.
    im.mutable_stage()->clear_criteria();
    im.mutable_stage()->set_explanation_zh("数据保密（统计法）：不公布判定数字");
    im.mutable_stage()->set_explanation_en("confidential (Statistics Law): figures withheld");
    im.set_confidential(true);
    im.set_confidential_reason(p.CellReason(park, im.industry()));
  }
  if (any_cell || m->snapshot().confidential()) {
    // Concentration ratios over the cells would reveal a withheld cell's share.
    m->clear_industry_cr1();
    m->clear_industry_cr3();
    m->clear_industry_cr5();
    m->clear_hhi();
    m->clear_dominant_industry();
    m->clear_leading_industry_share();
  }
  if (p.parks_withheld_year_before.contains(park)) {
    m->clear_output_yoy();
    m->clear_output_ytd_yoy();
    m->clear_output_ytd_yoy_same_scope();
    m->clear_tax_ytd_yoy();
  }
  if (p.parks_withheld_period_before.contains(park)) m->clear_output_mom();
  if (m->snapshot().confidential()) {
    m->clear_output_yoy();
    m->clear_output_ytd_yoy();
    m->clear_output_ytd_yoy_same_scope();
    m->clear_tax_ytd_yoy();
    m->clear_output_mom();
    m->clear_output_per_mu();
    m->clear_tax_per_mu();
    m->clear_in_park_purchase_share();
    m->clear_in_region_purchase_share();
  }
  return withheld;
}

void RedactSpecialisationCuts(pb::StrongClusterFlag* strong, pb::ClusterStars* stars) {
  strong->clear_lq_cut();
  strong->clear_size_cut();
  strong->clear_count_cut();
  stars->clear_size_cut();
  stars->clear_focus_cut();
}

void RedactSpecialisationFigures(pb::StrongClusterFlag* strong, pb::ClusterStars* stars) {
  strong->clear_size();
  strong->clear_establishments();
  stars->clear_focus_share();
}

bool MetricWithheld(const PeriodProtection& p, const std::string& park,
                    const std::string& metric) {
  if (metric.rfind("firm_", 0) == 0) return true;
  if (p.ParkConfidential(park)) return true;
  const bool yoy = metric == "output_yoy" || metric == "output_ytd_yoy" ||
                   metric == "output_ytd_yoy_same_scope" || metric == "tax_ytd_yoy";
  if (yoy && p.parks_withheld_year_before.contains(park)) return true;
  if (metric == "output_mom" && p.parks_withheld_period_before.contains(park)) return true;
  const bool cellwise =
      metric == "hhi" || metric == "industry_cr5" || metric == "leading_industry_share";
  return cellwise && p.AnyCellConfidential(park);
}

std::optional<AlertSubjectCell> AlertCell(const pb::AlertEvent& event) {
  if (event.park_id().empty()) return std::nullopt;
  if (event.subject_kind() == "park") return AlertSubjectCell{event.park_id(), ""};
  if (event.subject_kind() == "park_industry") {
    const auto bar = event.subject_id().find('|');
    if (bar == std::string::npos) return std::nullopt;
    return AlertSubjectCell{event.park_id(), event.subject_id().substr(bar + 1)};
  }
  return std::nullopt;
}

std::vector<std::string> AlertFiguresPeriodKeys(const pb::AlertEvent& event) {
  std::set<std::string> keys;
  for (const auto& f : event.figures()) {
    auto p = domain::ParsePeriod(f.period());
    if (!p.ok()) continue;
    keys.insert(p->Key());
    keys.insert(domain::SameLastYear(*p).Key());
  }
  if (keys.empty()) {
    keys.insert(event.has_latest_period() ? domain::FromProto(event.latest_period()).Key()
                                          : domain::FromProto(event.period()).Key());
  }
  return {keys.begin(), keys.end()};
}

absl::StatusOr<int64_t> RedactAlertAt(Redactor& redactor, int64_t version,
                                      pb::AlertEvent* event) {
  if (!AlertCell(*event)) return RedactAlert({}, event);
  std::vector<std::shared_ptr<const PeriodProtection>> held;
  std::vector<const PeriodProtection*> tables;
  for (const auto& key : AlertFiguresPeriodKeys(*event)) {
    auto p = redactor.ForPeriod(key, version);
    if (!p.ok()) return p.status();
    held.push_back(*p);
    tables.push_back(held.back().get());
  }
  return RedactAlert(tables, event);
}

int64_t RedactAlert(const std::vector<const PeriodProtection*>& tables, pb::AlertEvent* event) {
  event->clear_actions();  // staff's names and comments (which may quote figures)
  if (event->kind() == "enterprise_exit") {
    event->set_explanation_zh("企业退出告警（名单保密）");
    event->set_explanation_en("enterprise exit alert (the enterprises are confidential)");
  }
  const auto cell = AlertCell(*event);
  bool published = cell.has_value() && !tables.empty();
  for (const PeriodProtection* p : tables) {
    published = published && p != nullptr && !p->ParkConfidential(cell->park) &&
                (cell->industry.empty() || !p->CellConfidential(cell->park, cell->industry));
  }
  if (published || (event->figures_size() == 0 && event->kind() == "enterprise_exit")) return 0;
  const int64_t withheld = event->figures_size();
  event->clear_figures();
  event->set_explanation_zh("数据保密（统计法）：不公布告警数字");
  event->set_explanation_en("confidential (Statistics Law): the alert's figures are withheld");
  return withheld;
}

}  // namespace cw::replica
