#include "alerter/history.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "common/domain/totals.h"
#include "query/park_metrics.h"

namespace cw::alerter {
namespace pb = clusterwatch::v1;

namespace {

metrics::Stage StageOf(const std::string& name) {
  if (name == "cluster") return metrics::Stage::kCluster;
  if (name == "agglomeration") return metrics::Stage::kAgglomeration;
  if (name == "concentration") return metrics::Stage::kConcentration;
  return metrics::Stage::kNone;
}

}  // namespace

absl::StatusOr<std::vector<alerts::SubjectHistory>> ParkHistories(
    store::Store& store, const std::string& park_id, const metrics::MetricsConfig& config) {
  std::vector<domain::Period> periods;
  auto s = store.Scan(absl::StrCat("s|", park_id, "|"), [&](std::string_view, std::string_view v) {
    pb::ParkSnapshot snap;
    snap.ParseFromArray(v.data(), static_cast<int>(v.size()));
    periods.push_back(domain::FromProto(snap.period()));
    return true;
  });
  if (!s.ok()) return s;
  alerts::SubjectHistory park{{alerts::SubjectKind::kPark, park_id}, {}};
  std::map<std::string, alerts::SubjectHistory> cells;
  for (const auto& period : periods) {
    auto in = query::LoadParkMetricsInputs(store, park_id, period,
                                           pb::REFERENCE_SCOPE_SYSTEM);
    if (!in.ok()) {
      if (absl::IsNotFound(in.status())) continue;  // the park is not registered yet
      return in.status();
    }
    auto m = query::ComputeParkMetrics(*in, config);
    if (!m.ok()) return m.status();
    const auto& snap = m->snapshot();
    alerts::PeriodPoint p;
    p.period = period;
    p.output_month_fen = snap.month().gross_output().fen();
    p.output_ytd_fen = snap.year_to_date().gross_output().fen();
    p.tax_month_fen = snap.month().total_tax().fen();
    p.tax_ytd_fen = snap.year_to_date().total_tax().fen();
    if (m->has_completeness()) p.completeness = std::min(1.0, m->completeness());
    p.reporters = snap.month().output_reporters();
    std::map<std::string, std::vector<std::string>> by_industry;
    std::map<std::string, int64_t> leader;
    for (const auto& f : snap.firms()) {
      p.reporting_enterprises.push_back(f.uscc());
      by_industry[f.industry()].push_back(f.uscc());
      leader[f.industry()] = std::max(leader[f.industry()], f.gross_output_ytd().fen());
    }
    if (m->has_firm_cr1()) p.top_firm_share = m->firm_cr1();
    park.points.push_back(p);
    for (const auto& im : m->industry_metrics()) {
      auto& cell = cells[im.industry()];
      cell.subject = {alerts::SubjectKind::kParkIndustry, absl::StrCat(park_id, "|", im.industry())};
      alerts::PeriodPoint c;
      c.period = period;
      c.output_month_fen = im.month_output().fen();
      c.output_ytd_fen = im.ytd_output().fen();
      for (const auto& ind : snap.industries()) {
        if (ind.industry() != im.industry()) continue;
        c.tax_month_fen = ind.month().total_tax().fen();
        c.tax_ytd_fen = ind.year_to_date().total_tax().fen();
      }
      c.completeness = p.completeness;
      c.reporting_enterprises = by_industry[im.industry()];
      c.reporters = static_cast<int64_t>(c.reporting_enterprises.size());
      if (!im.stage().stage().empty()) c.stage = StageOf(im.stage().stage());
      if (im.has_lq()) c.lq = im.lq();
      if (im.ytd_output().fen() > 0) {
        c.top_firm_share = std::min(1.0, static_cast<double>(leader[im.industry()]) /
                                             static_cast<double>(im.ytd_output().fen()));
      }
      cell.points.push_back(std::move(c));
    }
  }
  std::vector<alerts::SubjectHistory> out;
  out.push_back(std::move(park));
  for (auto& [code, cell] : cells) out.push_back(std::move(cell));
  return out;
}

}  // namespace cw::alerter
