#include "alerter/history.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/domain/codes.h"
#include "common/domain/totals.h"
#include "common/metrics/values.h"
#include "replica/park_metrics.h"
#include "replica/rollup.h"
#include "replica/keys.h"

namespace cw::alerter {
namespace pb = clusterwatch::v1;
namespace keys = replica::keys;

namespace {

metrics::Stage StageOf(const std::string& name) {
  if (name == "cluster") return metrics::Stage::kCluster;
  if (name == "agglomeration") return metrics::Stage::kAgglomeration;
  if (name == "concentration") return metrics::Stage::kConcentration;
  return metrics::Stage::kNone;
}

}  // namespace

void NameSubject(const std::string& park_name, alerts::SubjectHistory* h) {
  const std::string& id = h->subject.id;
  auto named = [](std::string_view name_view, const std::string& code, bool zh) {
    const std::string name(name_view);
    if (name.empty()) return code;
    return zh ? absl::StrCat(name, "（", code, "）") : absl::StrCat(name, " (", code, ")");
  };
  switch (h->subject.kind) {
    case alerts::SubjectKind::kPark:
      h->name_zh = "园区" + named(park_name, id, true);
      h->name_en = "Park " + named(park_name, id, false);
      break;
    case alerts::SubjectKind::kParkIndustry: {
      const std::string park = id.substr(0, id.find('|'));
      const std::string industry = id.find('|') == std::string::npos ? "" : id.substr(id.find('|') + 1);
      const std::string_view division = domain::IndustryDivisionName(industry.substr(0, 2));
      h->name_zh = absl::StrCat("园区", named(park_name, park, true), "·",
                                named(division, industry, true));
      h->name_en = absl::StrCat("Park ", named(park_name, park, false), ", industry ",
                                named(division, industry, false));
      break;
    }
    case alerts::SubjectKind::kRegion: {
      const std::string_view name = domain::RegionName(id);
      h->name_zh = "地区" + named(name, id, true);
      h->name_en = "Region " + named(name, id, false);
      break;
    }
    case alerts::SubjectKind::kGroup:
      h->name_zh = "组团" + id;
      h->name_en = "Group " + id;
      break;
  }
}

absl::StatusOr<std::vector<alerts::SubjectHistory>> ParkHistories(
    store::Store& store, const std::string& park_id, const metrics::MetricsConfig& config) {
  std::vector<domain::Period> periods;
  auto s = store.Scan(keys::Snapshots(park_id), [&](std::string_view, std::string_view v) {
    pb::ParkSnapshot snap;
    snap.ParseFromArray(v.data(), static_cast<int>(v.size()));
    periods.push_back(domain::FromProto(snap.period()));
    return true;
  });
  if (!s.ok()) return s;
  alerts::SubjectHistory park{{alerts::SubjectKind::kPark, park_id}, {}};
  std::map<std::string, alerts::SubjectHistory> cells;
  for (const auto& period : periods) {
    auto in = replica::LoadParkMetricsInputs(store, park_id, period,
                                           pb::REFERENCE_SCOPE_SYSTEM);
    if (!in.ok()) {
      if (absl::IsNotFound(in.status())) continue;  // the park is not registered yet
      return in.status();
    }
    auto m = replica::ComputeParkMetrics(*in, config);
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
  std::string park_name;
  if (auto bytes = store.Get(keys::Park(park_id)); bytes.ok() && bytes->has_value()) {
    pb::Park record;
    if (record.ParseFromString(**bytes)) park_name = record.name();
  }
  std::vector<alerts::SubjectHistory> out;
  NameSubject(park_name, &park);
  out.push_back(std::move(park));
  for (auto& [code, cell] : cells) {
    NameSubject(park_name, &cell);
    out.push_back(std::move(cell));
  }
  return out;
}

std::optional<alerts::Subject> RollupSubject(const std::string& code) {
  if (absl::StartsWith(code, "r:") && code.size() > 2) {
    return alerts::Subject{alerts::SubjectKind::kRegion, code.substr(2)};
  }
  if (absl::StartsWith(code, "g:") && code.size() > 2 &&
      code.find('|') == std::string::npos) {
    return alerts::Subject{alerts::SubjectKind::kGroup, code.substr(2)};
  }
  return std::nullopt;
}

absl::StatusOr<int64_t> ExpectedEnterprises(store::Store& store, const std::string& park_id) {
  int64_t expected = 0;
  auto s = store.Scan(keys::Enterprises(park_id), [&](std::string_view, std::string_view v) {
    pb::Enterprise e;
    e.ParseFromArray(v.data(), static_cast<int>(v.size()));
    if (e.above_size()) ++expected;
    return true;
  });
  if (!s.ok()) return s;
  return expected;
}

absl::StatusOr<RollupHistories> RollupHistories::Load(store::Store& store) {
  RollupHistories h(store);
  auto s = store.Scan(keys::kParks, [&](std::string_view, std::string_view v) {
    pb::Park park;
    park.ParseFromArray(v.data(), static_cast<int>(v.size()));
    for (const auto& code : replica::RollupCodes(park)) {
      if (!RollupSubject(code)) continue;
      h.members_[code].insert(park.id());
      h.codes_[park.id()].push_back(code);
    }
    return true;
  });
  if (!s.ok()) return s;
  return h;
}

namespace {

// Regions first, then groups, each sorted.
std::vector<std::string> InSubjectOrder(const std::set<std::string>& codes) {
  std::vector<std::string> out;
  for (const char* prefix : {"r:", "g:"}) {
    for (const auto& c : codes) {
      if (absl::StartsWith(c, prefix)) out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> RollupHistories::CodesContaining(
    const std::set<std::string>& park_ids) const {
  std::set<std::string> codes;
  for (const auto& park : park_ids) {
    auto it = codes_.find(park);
    if (it != codes_.end()) codes.insert(it->second.begin(), it->second.end());
  }
  return InSubjectOrder(codes);
}

std::vector<std::string> RollupHistories::AllCodes() const {
  std::set<std::string> codes;
  for (const auto& [code, parks] : members_) codes.insert(code);
  return InSubjectOrder(codes);
}

std::vector<std::string> RollupHistories::Members(const std::string& code) const {
  auto it = members_.find(code);
  if (it == members_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

absl::StatusOr<int64_t> RollupHistories::Expected(const std::string& park_id) {
  auto it = expected_.find(park_id);
  if (it != expected_.end()) return it->second;
  auto n = ExpectedEnterprises(*store_, park_id);
  if (!n.ok()) return n.status();
  expected_[park_id] = *n;
  return *n;
}

absl::StatusOr<alerts::SubjectHistory> RollupHistories::History(const std::string& code,
                                                                bool reporting_enterprises) {
  const auto subject = RollupSubject(code);
  if (!subject) {
    return absl::InvalidArgumentError(
        absl::StrCat("roll-up code '", code, "' is not a region or group subject"));
  }
  alerts::SubjectHistory h{*subject, {}};
  NameSubject("", &h);
  const auto members = Members(code);
  int64_t expected = 0;
  for (const auto& park : members) {
    auto n = Expected(park);
    if (!n.ok()) return n.status();
    expected += *n;
  }
  const std::string prefix = keys::Rollups(code);
  auto s = store_->Scan(prefix, [&](std::string_view k, std::string_view v) {
    const std::string key(k.substr(prefix.size()));
    auto period = domain::ParsePeriod(key);
    // Another code's key (a group name extending this one past a '|') is not ours.
    if (!period.ok() || period->Key() != key) return true;
    pb::RollupAggregate agg;
    agg.ParseFromArray(v.data(), static_cast<int>(v.size()));
    alerts::PeriodPoint p;
    p.period = *period;
    p.output_month_fen = agg.month().gross_output().fen();
    p.output_ytd_fen = agg.year_to_date().gross_output().fen();
    p.tax_month_fen = agg.month().total_tax().fen();
    p.tax_ytd_fen = agg.year_to_date().total_tax().fen();
    p.reporters = agg.month().output_reporters();
    if (auto c = metrics::Ratio(p.reporters, expected)) p.completeness = std::min(1.0, *c);
    h.points.push_back(std::move(p));
    return true;
  });
  if (!s.ok()) return s;
  if (reporting_enterprises) {
    for (auto& p : h.points) {
      std::set<std::string> firms;
      for (const auto& park : members) {
        auto bytes = store_->Get(keys::Snapshot(park, p.period.Key()));
        if (!bytes.ok()) return bytes.status();
        if (!bytes->has_value()) continue;
        pb::ParkSnapshot snap;
        snap.ParseFromString(**bytes);
        for (const auto& f : snap.firms()) firms.insert(f.uscc());
      }
      p.reporting_enterprises.assign(firms.begin(), firms.end());
    }
  }
  return h;
}

}  // namespace cw::alerter
