#include "cli/render.h"

#include "cli/output.h"

#include <algorithm>
#include <map>

#include "common/alerts/action.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/domain/codes.h"
#include "common/domain/money.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"

namespace cw::cli {
namespace pb = clusterwatch::v1;

namespace {

std::string Level(pb::ParkLevel l) {
  switch (l) {
    case pb::PARK_LEVEL_NATIONAL: return "国家级";
    case pb::PARK_LEVEL_PROVINCIAL: return "省级";
    case pb::PARK_LEVEL_OTHER: return "其他";
    default: return "-";
  }
}

std::string Region(const std::string& code) {
  auto name = domain::RegionName(code);
  return name.empty() ? code : absl::StrCat(std::string(name), " ", code);
}

std::string Industry(const std::string& cls) {
  auto name = domain::IndustryDivisionName(cls.substr(0, 2));
  return name.empty() ? cls : absl::StrCat(cls, " ", std::string(name));
}

// Display columns of a UTF-8 string (CJK characters count as two).
int Columns(const std::string& s) {
  int cols = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    cols += len >= 3 ? 2 : 1;
    i += len;
  }
  return cols;
}

// Pads a UTF-8 string on the right (left-aligns it) to `width` display columns.
std::string Pad(const std::string& s, int width) {
  const int cols = Columns(s);
  return cols >= width ? s : s + std::string(width - cols, ' ');
}

// Pads on the left (right-aligns) to `width` display columns.
std::string PadLeft(const std::string& s, int width) {
  const int cols = Columns(s);
  return cols >= width ? s : std::string(width - cols, ' ') + s;
}

void TotalsRow(std::string& out, const std::string& label, int64_t month, int64_t ytd) {
  absl::StrAppend(&out, "  ", Pad(label, 22), absl::StrFormat("%20s", FormatWan(month)),
                  absl::StrFormat("%20s", FormatWan(ytd)), "\n");
}

}  // namespace

std::string FormatWan(int64_t fen) {
  // 1 万元 = 1,000,000 fen; two decimals = 10,000 fen, rounded half away from zero.
  const bool neg = fen < 0;
  __int128 v = neg ? -static_cast<__int128>(fen) : fen;
  v = (v + 5000) / 10000;
  int64_t whole = static_cast<int64_t>(v / 100), frac = static_cast<int64_t>(v % 100);
  std::string digits = absl::StrCat(whole), grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  return absl::StrFormat("%s%s.%02d", neg ? "-" : "", grouped, frac);
}

std::string RenderParkReport(const pb::GetParkSnapshotResponse& a) {
  const auto& p = a.park();
  const auto& s = a.snapshot();
  const auto period = domain::FromProto(s.period());
  std::string out;
  absl::StrAppend(&out, "━━ ", p.name(), " (", p.id(), ") ━━ ", period.Chinese(), "\n");
  absl::StrAppend(&out, "  区域 region: ", Region(p.county_code()), "   级别 level: ",
                  Level(p.level()), "   面积 area: ", p.area_mu(), " 亩\n");
  if (!p.leading_industries().empty()) {
    absl::StrAppend(&out, "  主导产业 leading industries: ",
                    absl::StrJoin(p.leading_industries(), ", "), "\n");
  }
  absl::StrAppend(&out, "  ", Pad("(万元 / 10k yuan)", 22), PadLeft("本月 month", 20),
                  PadLeft("累计 year to date", 20), "\n");
  TotalsRow(out, "工业总产值 gross output", s.month().gross_output().fen(),
            s.year_to_date().gross_output().fen());
  TotalsRow(out, "销售产值 sales output", s.month().sales_output().fen(),
            s.year_to_date().sales_output().fen());
  TotalsRow(out, "出口交货值 exports", s.month().export_delivery().fen(),
            s.year_to_date().export_delivery().fen());
  TotalsRow(out, "税收 total tax", s.month().total_tax().fen(),
            s.year_to_date().total_tax().fen());
  TotalsRow(out, "增值税 VAT", s.month().vat().fen(), s.year_to_date().vat().fen());
  TotalsRow(out, "企业所得税 CIT", s.month().corporate_income_tax().fen(),
            s.year_to_date().corporate_income_tax().fen());
  absl::StrAppend(&out, "  用工 employees: ", s.month().employees(),
                  "   报送企业 reporters: output ", s.month().output_reporters(), ", tax ",
                  s.month().tax_reporters(), "\n");
  absl::StrAppend(&out, "  行业结构 industries (本月产值 month output, 万元):\n");
  for (const auto& ind : s.industries()) {
    absl::StrAppend(&out, "    ", Pad(Industry(ind.industry()), 36),
                    absl::StrFormat("%16s", FormatWan(ind.month().gross_output().fen())),
                    absl::StrFormat("%8.1f%%", 100.0 * ind.output_share()), "\n");
  }
  absl::StrAppend(&out, "  as of ",
                  absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                                   absl::FromUnixMillis(a.freshness().as_of_unix_ms()),
                                   absl::UTCTimeZone()),
                  "\n");
  return out;
}

std::string RenderParkList(const std::vector<pb::Park>& parks) {
  std::string out;
  absl::StrAppend(&out, Pad("id", 12), Pad("name", 36), Pad("region", 22), Pad("level", 8),
                  absl::StrFormat("%10s", "area(亩)"), "  leading\n");
  for (const auto& p : parks) {
    absl::StrAppend(&out, Pad(p.id(), 12), Pad(p.name(), 36), Pad(Region(p.county_code()), 22),
                    Pad(Level(p.level()), 8),
                    PadLeft(FormatMetricValue(MetricUnit::kPersons, p.area_mu()), 10), "  ",
                    absl::StrJoin(p.leading_industries(), ","), "\n");
  }
  return out;
}

std::string RenderPushResult(const std::string& file, const pb::PushResponse& r) {
  std::string out = absl::StrCat(file, ": submission ", r.submission_id(), ": ", r.accepted(),
                                 " accepted, ", r.rejected(), " rejected",
                                 r.replayed() ? " (already pushed; answer replayed)" : "", "\n");
  for (const auto& rej : r.rejections()) {
    absl::StrAppend(&out, "  line ", rej.line(), ": ", rej.field().empty() ? "-" : rej.field(),
                    ": ", rej.reason(), "\n");
  }
  if (r.rejections_size() < r.rejected()) {
    absl::StrAppend(&out, "  (the first ", r.rejections_size(), " of ", r.rejected(),
                    " refused lines are listed; every one is kept on the rejected topic)\n");
  }
  return out;
}

namespace {

std::string Pct(bool has, double v) {
  return has ? absl::StrFormat("%.1f%%", 100.0 * v) : std::string("-");
}

std::string Num(bool has, double v, const char* fmt = "%.3f") {
  return has ? absl::StrFormat(fmt, v) : std::string("-");
}

// "强 strong" or "-" (not strong, or not assessed).
std::string Strong(bool has, const pb::StrongClusterFlag& f) {
  return has && f.strong() ? "强 strong" : "-";
}

// Stars as ★ per star and the letters of the stars held: L specialisation (LQ), S size,
// F focus; "-" when not assessed, "0" for none.
std::string Stars(bool has, const pb::ClusterStars& s) {
  if (!has) return "-";
  if (s.count() == 0) return "0";
  std::string out;
  for (int i = 0; i < s.count(); ++i) out += "★";
  absl::StrAppend(&out, " ", s.specialisation() ? "L" : "", s.size() ? "S" : "",
                  s.focus() ? "F" : "");
  return out;
}

// A size on the specialisation basis: 万元 for output (fen), else employees.
std::string Size(const std::string& basis, double v) {
  return basis == "employees" ? absl::StrFormat("%.0f 人", v)
                              : absl::StrCat(FormatWan(static_cast<int64_t>(v)), "万");
}

// The rules behind the strong-cluster flag and the stars, with their configured cuts.
std::string SpecialisationRules(const pb::StrongClusterFlag& f, const pb::ClusterStars& s) {
  return absl::StrFormat(
      "  强集群 strong cluster (US Cluster Mapping, on %s): LQ ≥ p%.0f and ≥ %.2f, size > "
      "p%.0f, enterprises > p%.0f of the parks with the industry in the reference scope\n"
      "  星 stars (European Cluster Observatory): L specialisation LQ ≥ %.2f, S size top "
      "%.0f%%, F focus (share of the park) top %.0f%%\n",
      f.basis(), 100 * f.lq_percentile(), f.lq_floor(), 100 * f.size_percentile(),
      100 * f.count_percentile(), s.specialisation_lq(), 100 * s.size_top(),
      100 * s.focus_top());
}

// The figures that made an industry a strong cluster, with the cuts (when published).
std::string StrongDetail(const std::string& industry, double lq, bool has_lq,
                         const pb::StrongClusterFlag& f) {
  std::string out = absl::StrCat("  · ", industry, " 强集群 strong: LQ ", Num(has_lq, lq, "%.2f"));
  if (f.has_lq_cut()) absl::StrAppend(&out, absl::StrFormat(" ≥ %.2f", f.lq_cut()));
  absl::StrAppend(&out, ", size ", Size(f.basis(), static_cast<double>(f.size())));
  if (f.has_size_cut()) absl::StrAppend(&out, " > ", Size(f.basis(), f.size_cut()));
  absl::StrAppend(&out, ", enterprises ", f.establishments());
  if (f.has_count_cut()) absl::StrAppend(&out, absl::StrFormat(" > %.1f", f.count_cut()));
  absl::StrAppend(&out, " (", f.parks_compared(), " parks compared)\n");
  return out;
}

}  // namespace

std::string RenderParkMetrics(const pb::GetParkMetricsResponse& a) {
  const auto& p = a.park();
  const auto& m = a.metrics();
  const auto& s = m.snapshot();
  const auto period = domain::FromProto(s.period());
  std::string out;
  absl::StrAppend(&out, "━━ ", p.name(), " (", p.id(), ") ━━ ", period.Chinese(),
                  " 产业集群指标 cluster metrics\n");
  absl::StrAppend(&out, "  工业总产值 output: month ", FormatWan(s.month().gross_output().fen()),
                  " 万元, year to date ", FormatWan(s.year_to_date().gross_output().fen()),
                  " 万元\n");
  absl::StrAppend(&out, "  增长 growth: 同比 YoY ", Pct(m.has_output_yoy(), m.output_yoy()),
                  ", 累计同比 YTD YoY ", Pct(m.has_output_ytd_yoy(), m.output_ytd_yoy()),
                  ", 同口径 same enterprises ",
                  Pct(m.has_output_ytd_yoy_same_scope(), m.output_ytd_yoy_same_scope()),
                  ", 环比 MoM ", Pct(m.has_output_mom(), m.output_mom()), ", 税收累计同比 tax ",
                  Pct(m.has_tax_ytd_yoy(), m.tax_ytd_yoy()), "\n");
  absl::StrAppend(&out, "  行业结构 structure: ", m.industries(), " industries, CR1 ",
                  Pct(m.has_industry_cr1(), m.industry_cr1()), ", CR3 ",
                  Pct(m.has_industry_cr3(), m.industry_cr3()), ", CR5 ",
                  Pct(m.has_industry_cr5(), m.industry_cr5()), ", HHI ", Num(m.has_hhi(), m.hhi()),
                  ", dominant ", m.dominant_industry().empty() ? "-" : Industry(m.dominant_industry()),
                  "\n");
  absl::StrAppend(&out, "  主导产业占比 share of declared leading industries: ",
                  Pct(m.has_leading_industry_share(), m.leading_industry_share()), "\n");
  absl::StrAppend(&out, "  企业集中度 firms: CR1 ", Pct(m.has_firm_cr1(), m.firm_cr1()), ", CR3 ",
                  Pct(m.has_firm_cr3(), m.firm_cr3()), "; 年产值 annualised output ≥");
  for (const auto& t : m.over_thresholds()) {
    absl::StrAppend(&out, " ", FormatWan(t.annual_output().fen()), "万: ", t.enterprises(), ";");
  }
  absl::StrAppend(&out, "\n");
  for (const auto& f : m.leading_firms()) {
    absl::StrAppend(&out, "    ", Pad(f.name().empty() ? f.uscc() : f.name(), 40),
                    absl::StrFormat("%6.1f%%", 100.0 * f.share()), "\n");
  }
  absl::StrAppend(&out, "  亩均效益 land (annualised): output ",
                  Num(m.has_output_per_mu(), m.output_per_mu() / 10000, "%.1f"), " 万元/亩, tax ",
                  Num(m.has_tax_per_mu(), m.tax_per_mu() / 10000, "%.2f"), " 万元/亩\n");
  absl::StrAppend(&out, "  配套 linkage: purchases in park ",
                  Pct(m.has_in_park_purchase_share(), m.in_park_purchase_share()), ", in region ",
                  Pct(m.has_in_region_purchase_share(), m.in_region_purchase_share()), "\n");
  absl::StrAppend(&out, "  报送率 completeness: ", s.month().output_reporters(), " of ",
                  m.expected_enterprises(), " above-size enterprises (",
                  Pct(m.has_completeness(), m.completeness()), ")\n");
  const bool divisions = m.level() == pb::INDUSTRY_LEVEL_DIVISION;
  absl::StrAppend(&out, "  ", Pad(divisions ? "行业门类 division" : "行业 industry", 40),
                  PadLeft("累计产值万元", 16), PadLeft("LQ", 8), PadLeft("企业", 6), "  ",
                  Pad("强集群", 10), Pad("星 stars", 10), "阶段 stage\n");
  const pb::IndustryMetrics* assessed = nullptr;
  for (const auto& im : m.industry_metrics()) {
    if (im.ytd_output().fen() <= 0 && !im.confidential()) continue;
    if (im.has_strong_cluster() && assessed == nullptr) assessed = &im;
    absl::StrAppend(&out, "  ", Pad(Industry(im.industry()), 40),
                    PadLeft(im.confidential() ? "保密" : FormatWan(im.ytd_output().fen()), 16),
                    PadLeft(Num(im.has_lq(), im.lq(), "%.2f"), 8),
                    PadLeft(absl::StrCat(im.enterprises()), 6), "  ",
                    Pad(Strong(im.has_strong_cluster(), im.strong_cluster()), 10),
                    Pad(Stars(im.has_stars(), im.stars()), 10), im.stage().stage_zh(), " ",
                    im.stage().stage(), "\n");
  }
  if (assessed != nullptr) {
    absl::StrAppend(&out, SpecialisationRules(assessed->strong_cluster(), assessed->stars()));
  }
  for (const auto& im : m.industry_metrics()) {
    if (im.has_strong_cluster() && im.strong_cluster().strong()) {
      absl::StrAppend(&out, StrongDetail(im.industry(), im.lq(), im.has_lq(), im.strong_cluster()));
    }
  }
  for (const auto& im : m.industry_metrics()) {
    if (im.stage().stage() == "agglomeration" || im.stage().stage() == "cluster") {
      absl::StrAppend(&out, "  · ", im.industry(), ": ", im.stage().explanation_zh(), "\n");
    }
  }
  return out;
}

std::string RenderRanking(const std::string& metric, const pb::RankParksResponse& a) {
  // The value in the metric's table unit (万元, 万元/亩, %, 人); an unknown metric as sent.
  const auto info = LookupMetric(metric);
  const std::string heading =
      info.ok() ? absl::StrCat(metric, " (", UnitTableName(info->unit), ")") : metric;
  auto value = [&](const pb::RankedPark& r) {
    if (r.confidential()) return std::string("保密");
    if (!r.has_value()) return std::string("-");
    return info.ok() ? FormatMetricValue(info->unit, r.value()) : Num(true, r.value(), "%.4f");
  };
  std::string out = absl::StrCat("rank  ", Pad("park", 12), Pad("name", 36),
                                 PadLeft(heading, 30), "  grade\n");
  for (const auto& r : a.parks()) {
    absl::StrAppend(&out, absl::StrFormat("%4d  ", r.rank()), Pad(r.park_id(), 12),
                    Pad(r.name(), 36), PadLeft(value(r), 30), "  ",
                    r.grade().empty() ? "-" : r.grade(), "\n");
  }
  return out;
}

std::string RenderRegion(const std::string& label, const pb::Period& period,
                         const pb::GetRegionSnapshotResponse& a) {
  std::string out;
  absl::StrAppend(&out, "━━ ", label, a.name().empty() ? "" : absl::StrCat(" ", a.name()), " ━━ ",
                  domain::FromProto(period).Chinese(), ", ", a.parks(), " parks\n");
  absl::StrAppend(&out, "  ", Pad("(万元 / 10k yuan)", 22), PadLeft("本月 month", 20),
                  PadLeft("累计 year to date", 20), "\n");
  TotalsRow(out, "工业总产值 gross output", a.month().gross_output().fen(),
            a.year_to_date().gross_output().fen());
  TotalsRow(out, "税收 total tax", a.month().total_tax().fen(), a.year_to_date().total_tax().fen());
  absl::StrAppend(&out, "  HHI ", Num(a.has_hhi(), a.hhi()), ", CR5 ",
                  Pct(a.has_industry_cr5(), a.industry_cr5()), "\n");
  if (a.industries_size() > 0) {
    absl::StrAppend(&out, "  行业结构 industries (本月产值 month output, 万元; share of the month):\n");
  }
  for (const auto& ind : a.industries()) {
    if (ind.confidential()) {
      absl::StrAppend(&out, "    ", Pad(Industry(ind.industry()), 36), PadLeft("保密", 16),
                      "  confidential: ", ind.confidential_reason(), "\n");
      continue;
    }
    absl::StrAppend(&out, "    ", Pad(Industry(ind.industry()), 36),
                    PadLeft(FormatWan(ind.month().gross_output().fen()), 16),
                    absl::StrFormat("%8.1f%%", 100.0 * ind.output_share()), "\n");
  }
  return out;
}

std::string RenderIndustryMap(const std::string& industry, const pb::GetIndustryMapResponse& a) {
  std::string out = absl::StrCat("industry ", Industry(industry), "\n");
  absl::StrAppend(&out, "  ", Pad("园区 park", 36), Pad("行业", 6), PadLeft("累计产值万元", 16),
                  PadLeft("LQ", 8), "  ", Pad("强集群", 10), Pad("星 stars", 10),
                  "阶段 stage\n");
  for (const auto& e : a.entries()) {
    absl::StrAppend(&out, "  ", Pad(e.park_name(), 36), Pad(e.industry(), 6),
                    PadLeft(e.confidential() ? "保密" : FormatWan(e.ytd_output().fen()), 16),
                    PadLeft(Num(e.has_lq(), e.lq(), "%.2f"), 8), "  ",
                    Pad(Strong(e.has_strong_cluster(), e.strong_cluster()), 10),
                    Pad(Stars(e.has_stars(), e.stars()), 10), e.stage().stage_zh(), " ",
                    e.stage().stage(), "\n");
  }
  for (const auto& e : a.entries()) {
    if (e.has_strong_cluster()) {
      absl::StrAppend(&out, SpecialisationRules(e.strong_cluster(), e.stars()));
      break;
    }
  }
  for (const auto& e : a.entries()) {
    if (e.has_strong_cluster() && e.strong_cluster().strong()) {
      absl::StrAppend(&out, StrongDetail(absl::StrCat(e.park_name(), " ", e.industry()), e.lq(),
                                         e.has_lq(), e.strong_cluster()));
    }
  }
  return out;
}

namespace {
std::string StateName(pb::AlertState s) {
  switch (s) {
    case pb::ALERT_STATE_PENDING: return "PENDING 待定";
    case pb::ALERT_STATE_FIRING: return "FIRING 告警";
    case pb::ALERT_STATE_RESOLVED: return "RESOLVED 解除";
    default: return "-";
  }
}
}  // namespace

namespace {

std::string Utc(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

// "acknowledged by lin at 2026-12-07 10:00 UTC until 2027-01-06 10:00 UTC: on it".
std::string RenderAction(const pb::AlertAction& x) {
  std::string out = absl::StrCat(alerts::ActionVerb(x.kind()), " by ", x.by(), " at ",
                                 Utc(x.at_unix_ms()));
  if (x.until_unix_ms() != 0) absl::StrAppend(&out, " until ", Utc(x.until_unix_ms()));
  if (!x.silence_id().empty()) absl::StrAppend(&out, " (silence ", x.silence_id(), ")");
  absl::StrAppend(&out, ": ", x.comment());
  return out;
}

}  // namespace

std::string RenderAlerts(const std::vector<pb::AlertEvent>& alerts) {
  if (alerts.empty()) return "no alerts\n";
  std::string out;
  for (const auto& a : alerts) {
    absl::StrAppend(&out, Pad(StateName(a.state()), 16), a.id(), " (v", a.version(), ")\n",
                    "    ", a.explanation_zh(), "\n    ", a.explanation_en(), "\n");
    for (const auto& x : a.actions()) absl::StrAppend(&out, "    - ", RenderAction(x), "\n");
  }
  return out;
}

std::string RenderAlertsBrief(const std::vector<pb::AlertEvent>& alerts) {
  if (alerts.empty()) return "no alerts\n";
  std::string out;
  for (const auto& a : alerts) {
    const std::string subject = a.subject_name().empty()
                                    ? absl::StrCat(a.subject_kind(), ":", a.subject_id())
                                    : a.subject_name();
    std::string span = absl::StrCat("since ", domain::FromProto(a.period()).Key());
    if (a.periods() > 1 && a.has_latest_period()) {
      absl::StrAppend(&span, ", ", a.periods(), " periods to ",
                      domain::FromProto(a.latest_period()).Key());
    }
    absl::StrAppend(&out, Pad(StateName(a.state()), 16), subject, "  ", a.rule(), "  ", span,
                    "  ", a.id());
    // The latest acknowledgement or silence, if any: who is on it.
    for (int i = a.actions_size() - 1; i >= 0; --i) {
      const auto& x = a.actions(i);
      if (x.kind() == pb::ALERT_ACTION_KIND_COMMENT) continue;
      absl::StrAppend(&out, "  [", alerts::ActionVerb(x.kind()), " by ", x.by(), "]");
      break;
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string RenderAlertsSummary(const std::vector<pb::AlertEvent>& alerts) {
  if (alerts.empty()) return "no alerts\n";
  struct Subject {
    std::string name;
    std::vector<std::string> rules;                                 // "rule since P"
    std::vector<std::pair<std::string, std::vector<std::string>>> cells;  // industry, rules
  };
  std::vector<std::string> order;
  std::map<std::string, Subject> subjects;
  auto subject = [&](const std::string& key) -> Subject& {
    auto [it, fresh] = subjects.try_emplace(key);
    if (fresh) order.push_back(key);
    return it->second;
  };
  for (const auto& a : alerts) {
    const bool cell = a.subject_kind() == "park_industry" && !a.park_id().empty();
    const std::string key = cell || a.subject_kind() == "park"
                                ? absl::StrCat("park:", a.park_id())
                                : absl::StrCat(a.subject_kind(), ":", a.subject_id());
    Subject& s = subject(key);
    if (!cell) {
      if (s.name.empty() || s.name == key) {
        s.name = a.subject_name().empty() ? key : a.subject_name();
      }
      s.rules.push_back(
          absl::StrCat(a.rule(), " since ", domain::FromProto(a.period()).Key()));
      continue;
    }
    if (s.name.empty()) {
      // The park's name is the cell's name up to the industry ("园区X（P1）·…").
      const std::string& n = a.subject_name();
      const auto dot = n.find("·");
      s.name = dot == std::string::npos ? key : n.substr(0, dot);
    }
    const std::string industry = a.subject_id().substr(a.subject_id().find('|') + 1);
    auto it = std::find_if(s.cells.begin(), s.cells.end(),
                           [&](const auto& c) { return c.first == industry; });
    if (it == s.cells.end()) it = s.cells.insert(s.cells.end(), {industry, {}});
    it->second.push_back(a.rule());
  }
  std::string out;
  for (const auto& key : order) {
    const Subject& s = subjects[key];
    absl::StrAppend(&out, s.name, "  ",
                    s.rules.empty() ? "(its industries)" : absl::StrJoin(s.rules, " · "), "\n");
    if (s.cells.empty()) continue;
    std::vector<std::string> cells;
    for (const auto& [industry, rules] : s.cells) {
      cells.push_back(absl::StrCat(industry, " (", absl::StrJoin(rules, ", "), ")"));
    }
    absl::StrAppend(&out, "    industries: ", absl::StrJoin(cells, " · "), "\n");
  }
  absl::StrAppend(&out, alerts.size(), alerts.size() == 1 ? " alert" : " alerts", " on ",
                  order.size(), order.size() == 1 ? " subject" : " subjects",
                  "; `alerts list --brief` gives each with its id\n");
  return out;
}

std::string RenderAlertUpdate(const pb::AlertUpdate& u) {
  const auto& a = u.event();
  return absl::StrCat(
      absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMillis(a.changed_unix_ms()),
                       absl::UTCTimeZone()),
      "  ", Pad(StateName(a.state()), 16), a.id(), " v", a.version(), "  [token ",
      u.resume_token(), "]\n    ", a.explanation_en(), "\n");
}

}  // namespace cw::cli
