#include "cli/render.h"

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
                    Pad(Level(p.level()), 8), absl::StrFormat("%10d", p.area_mu()), "  ",
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
  return out;
}

}  // namespace cw::cli
