// Sample data generator: see generator.h. Everything random comes from std::mt19937_64
// (whose output sequence the C++ standard fixes) through the integer helpers below, so the
// files are the same on every platform and standard library.

#include "cli/sample/generator.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "common/domain/codes.h"
#include "common/domain/random.h"

namespace cw::sample {
namespace {

#define CW_SAMPLE_RETURN_IF_ERROR(expr)        \
  do {                                         \
    absl::Status cw_status_ = (expr);          \
    if (!cw_status_.ok()) return cw_status_;   \
  } while (0)

namespace fs = std::filesystem;

constexpr int64_t kFenPerYuan = 100;
constexpr int64_t kFenPerThousand = 100'000;      // 千元
constexpr int64_t kFenPerTenThousand = 1'000'000;  // 万元
constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kPeriodsPerYear = 11;  // 1-2月, then March .. December

// ---------------------------------------------------------------------------------------
// Deterministic randomness with integer arithmetic only.

using domain::ExpPpm;
using domain::SplitMix64;

class Rng : public domain::Rng {
 public:
  using domain::Rng::Rng;

  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Uniform(0, static_cast<int64_t>(v.size()) - 1))];
  }
};

int64_t MulPm(int64_t v, int64_t per_mille) { return v * per_mille / 1000; }

// Rounds a non-negative amount to a multiple of `granule` fen (at least one granule).
int64_t RoundTo(int64_t v, int64_t granule) {
  if (v <= 0) return 0;
  return std::max<int64_t>((v + granule / 2) / granule * granule, granule);
}

// ---------------------------------------------------------------------------------------
// Periods.

struct Period {
  int year = 0;
  int month = 0;
  bool jan_feb = false;
};

// Period of index `w` (0..10) within a year: 0 is 1-2月, then March..December.
Period PeriodOf(int year, int w) {
  return w == 0 ? Period{year, 2, true} : Period{year, w + 2, false};
}

enum class PeriodStyle {
  kDash,           // 2024-03, 2024-01/02
  kCompact,        // 202403, 2024-01~02
  kChinese,        // 2024年3月, 2024年1-2月
  kChinesePadded,  // 2024年03月, 2024年1-2月
  kDashShort,      // 2024-3, 2024-1-2
};

std::string FormatPeriod(const Period& p, PeriodStyle style) {
  switch (style) {
    case PeriodStyle::kDash:
      return p.jan_feb ? absl::StrFormat("%d-01/02", p.year)
                       : absl::StrFormat("%d-%02d", p.year, p.month);
    case PeriodStyle::kCompact:
      return p.jan_feb ? absl::StrFormat("%d-01~02", p.year)
                       : absl::StrFormat("%d%02d", p.year, p.month);
    case PeriodStyle::kChinese:
      return p.jan_feb ? absl::StrFormat("%d年1-2月", p.year)
                       : absl::StrFormat("%d年%d月", p.year, p.month);
    case PeriodStyle::kChinesePadded:
      return p.jan_feb ? absl::StrFormat("%d年1-2月", p.year)
                       : absl::StrFormat("%d年%02d月", p.year, p.month);
    case PeriodStyle::kDashShort:
      return p.jan_feb ? absl::StrFormat("%d-1-2", p.year)
                       : absl::StrFormat("%d-%d", p.year, p.month);
  }
  return "";
}

// Seasonal factor of each period of a year, per mille of an ordinary month (1-2月 covers
// two months with the Spring Festival lull).
constexpr std::array<int64_t, kPeriodsPerYear> kSeasonPm = {1700, 1040, 990, 1010, 1090, 950,
                                                            960,  1060, 930, 1030, 1180};
// Corporate income tax is prepaid quarterly, in January, April, July and October.
constexpr std::array<int64_t, kPeriodsPerYear> kCitPm = {2200, 400, 2200, 400, 400, 2200,
                                                         400,  400, 2200, 400, 400};

// ---------------------------------------------------------------------------------------
// The seed regions.

struct ClassSpec {
  const char* code;    // GB/T 4754-2017 four-digit class
  const char* noun;    // trade word for enterprise names
  int weight;          // relative frequency among the park's enterprises
  int export_max_pm;   // largest export share of sales, per mille
};

struct ParkSpec {
  const char* id;
  const char* name;
  const char* county;
  const char* place;  // first word of enterprise names
  int64_t area_mu;
  const char* level;
  const char* leading;
  const char* groups;
  int enterprises;
  int64_t median_month_yuan;  // typical above-size enterprise, ordinary month, first year
  int anchor_multiple;        // the first enterprise's size over the median
  int growth_pm;              // output growth per year, per mille
  int drift_pm;               // extra change per period in the years after the first
  int64_t yuan_per_worker_year;
  std::vector<ClassSpec> classes;  // classes[0] is the anchor enterprise's
};

std::vector<ParkSpec> SeedParks() {
  return {
      {"P222401A", "延吉高新技术产业开发区", "222401", "延吉", 27000, "national",
       "2720;2740;1492", "延龙图核心", 18, 12'000'000, 8, 20, 0, 700'000,
       {{"1620", "卷烟", 0, 0},  // the anchor only: tobacco is a state monopoly
        {"2720", "制药", 2, 50},
        {"2740", "药业", 2, 30},
        {"1492", "生物科技", 1, 100},
        {"1513", "啤酒", 1, 50},
        {"1353", "食品", 1, 200},
        {"1811", "服饰", 1, 500},
        {"2021", "木业", 1, 300},
        {"2927", "塑业", 1, 100},
        {"3982", "电子", 1, 400},
        {"3021", "建材", 1, 0},
        {"2221", "纸业", 1, 100},
        {"1529", "饮品", 1, 100},
        {"2641", "涂料", 1, 50},
        {"3660", "汽车部件", 1, 100},
        {"3443", "阀门", 1, 150}}},
      {"P222402A", "图们经济开发区", "222402", "图们", 9000, "provincial", "1353;2761",
       "延龙图核心", 12, 6'000'000, 4, -30, 0, 600'000,
       {{"1353", "食品", 4, 300},
        {"2021", "木业", 2, 300},
        {"2761", "生物制药", 2, 100},
        {"1361", "水产", 2, 600},
        {"3021", "建材", 1, 0}}},
      {"P222403A", "敦化经济开发区", "222403", "敦化", 15000, "provincial", "2740;2021;2110",
       "珲春—长春开放带", 14, 9'000'000, 10, 40, 0, 650'000,
       {{"2740", "药业", 4, 50},
        {"2021", "木业", 3, 300},
        {"2110", "家具", 2, 400},
        {"2720", "制药", 2, 50},
        {"1372", "菌业", 1, 300}}},
      {"P222404A", "珲春边境经济合作区", "222404", "珲春", 36000, "national",
       "3211;1361;2021", "珲春—长春开放带", 15, 10'000'000, 9, 120, 0, 900'000,
       {{"3211", "铜业", 1, 200},
        {"1361", "水产", 5, 700},
        {"2021", "木业", 3, 400},
        {"1811", "服饰", 2, 600},
        {"3982", "电子", 1, 500}}},
      {"P222405A", "龙井经济开发区", "222405", "龙井", 7500, "provincial", "1512;2740",
       "延龙图核心", 10, 4'000'000, 5, 0, 0, 550'000,
       {{"1512", "酒业", 3, 50},
        {"2740", "药业", 2, 30},
        {"1372", "菌业", 2, 300},
        {"3021", "建材", 1, 0}}},
      {"P222406A", "和龙经济开发区", "222406", "和龙", 6000, "provincial", "3130;2740",
       "西部区", 10, 4'000'000, 6, -50, 0, 800'000,
       {{"3130", "钢材", 2, 50},
        {"2740", "药业", 2, 30},
        {"1372", "菌业", 2, 300},
        {"1391", "淀粉", 1, 100}}},
      {"P222424A", "汪清经济开发区", "222424", "汪清", 6600, "provincial", "2021;1372",
       "东部区", 10, 3'500'000, 4, 10, 0, 500'000,
       {{"2021", "木业", 4, 300},
        {"1372", "菌业", 3, 300},
        {"2110", "家具", 2, 300}}},
      {"P222426A", "安图经济开发区", "222426", "安图", 7200, "provincial", "1522;1529",
       "西部区", 11, 5'000'000, 7, 70, 0, 900'000,
       {{"1522", "矿泉水", 4, 100},
        {"1529", "饮品", 2, 100},
        {"2740", "药业", 1, 30},
        {"2021", "木业", 1, 300}}},
      {"P321282A", "靖江经济技术开发区", "321282", "靖江", 90000, "national",
       "3731;3734;3811;3120;3411", "", 25, 80'000'000, 6, 85, 0, 1'800'000,
       {{"3731", "船舶重工", 3, 800},
        {"3734", "船用设备", 2, 500},
        {"3737", "海洋工程", 1, 600},
        {"3811", "电机", 2, 300},
        {"3812", "电动机", 1, 300},
        {"3110", "钢铁", 1, 50},
        {"3120", "特钢", 2, 100},
        {"3130", "钢材", 1, 150},
        {"3411", "锅炉", 2, 200},
        {"3311", "钢结构", 2, 200},
        {"3340", "钢丝绳", 1, 300},
        {"3831", "电缆", 1, 200}}},
      {"P421003A", "荆州开发区", "421003", "荆州", 45000, "national", "3660;3512;3851", "",
       22, 35'000'000, 5, 60, 0, 1'200'000,
       {{"3660", "汽车部件", 4, 200},
        {"3512", "石油机械", 2, 400},
        {"3851", "电器", 2, 300},
        {"2614", "化工", 1, 100},
        {"2641", "涂料", 1, 50},
        {"3443", "阀门", 1, 200},
        {"3451", "轴承", 1, 200},
        {"2720", "制药", 1, 100}}},
      {"P321023A", "宝应经济开发区玻璃产业园", "321023", "宝应", 4500, "other",
       "3041;3042;3051;3054;3055", "", 40, 6'000'000, 6, -120, -8, 700'000,
       {{"3041", "玻璃", 3, 150},
        {"3042", "特种玻璃", 2, 200},
        {"3051", "技术玻璃", 3, 250},
        {"3054", "玻璃器皿", 2, 400},
        {"3055", "玻璃瓶", 2, 100},
        {"3061", "玻纤", 1, 200}}},
  };
}

// Suppliers outside the registry, for counterparties outside every park.
constexpr std::array<const char*, 8> kOutsideCounties = {
    "310115", "320583", "130203", "220104", "370211", "420106", "440306", "330206"};

constexpr std::array<const char*, 30> kNameWords = {
    "恒泰", "鑫源", "华盛", "瑞丰", "宏达", "永兴", "金桥", "远航", "天成", "海川",
    "新港", "博远", "德润", "正通", "宏基", "利民", "同心", "振兴", "百川", "东方",
    "长城", "瑞祥", "华信", "嘉禾", "鼎盛", "中联", "万通", "福源", "兴业", "安达"};
constexpr std::array<const char*, 3> kNameSuffixes = {"有限公司", "股份有限公司",
                                                      "有限责任公司"};

// ---------------------------------------------------------------------------------------
// The generated population and its reports.

struct Supplier {
  std::string uscc;
  int64_t purchases_pm = 0;  // purchases per mille of the buyer's output
};

struct Enterprise {
  std::string uscc;
  std::string name;
  std::string industry;
  std::string park_id;
  int park = 0;
  bool above_size = true;
  bool silent = false;   // registered, never reports
  int first_period = 0;  // reports periods [first_period, end_period)
  int end_period = 0;
  int64_t base_fen = 0;  // an ordinary month's gross output in the first year
  int64_t growth_pm = 0;
  int64_t export_pm = 0;
  int64_t vat_pm = 0;
  int64_t cit_pm = 0;
  int64_t other_pm = 0;  // other taxes, per mille of VAT
  int64_t employees = 0;
  std::vector<Supplier> suppliers;
};

struct OutputFigures {
  int64_t gross = 0;
  int64_t sales = 0;
  int64_t exports = 0;
  int64_t employees = 0;
};

struct TaxFigures {
  int64_t total = 0;
  int64_t vat = 0;
  int64_t cit = 0;
  std::vector<int64_t> purchases;  // aligned with Enterprise::suppliers
};

struct Series {
  std::vector<std::optional<OutputFigures>> output;  // by period index
  std::vector<std::optional<TaxFigures>> tax;
};

enum class Kind { kOutput, kTax };
enum class Encoding { kUtf8, kUtf8Bom, kGbk };
enum class UnitPlacement { kNone, kColumn, kHeader, kHeaderFullWidth };

// How one report file is written.
struct FileStyle {
  bool chinese = false;
  UnitPlacement unit_placement = UnitPlacement::kColumn;
  int64_t unit_fen = kFenPerThousand;
  std::string unit_text = "千元";
  bool basis_column = true;
  bool ytd = false;
  PeriodStyle period_style = PeriodStyle::kDash;
  Encoding encoding = Encoding::kUtf8;
  bool crlf = false;
  bool thousands = false;  // thousands separators in money
  bool name_column = true;
  bool park_column = true;
  bool revision_column = false;
  bool period_first = false;
};

// Amounts are generated as multiples of this many fen so that they are exact in the unit:
// 0.1 千元 = 0.01 万元 = 100 元, or one fen for files in 元.
int64_t Granule(const FileStyle& s) { return s.unit_fen == kFenPerYuan ? 1 : 10'000; }

FileStyle StyleFor(std::string_view county, int year_index, int years, Kind kind) {
  const bool last_year = year_index == years - 1;
  FileStyle s;
  auto zh = [&s](PeriodStyle p) {
    s.chinese = true;
    s.period_style = p;
  };
  auto en = [&s](PeriodStyle p) {
    s.chinese = false;
    s.period_style = p;
  };
  if (kind == Kind::kOutput) {
    if (county == "222401") {  // no unit (default 千元), no basis, no park or name column
      en(PeriodStyle::kDashShort);
      s.unit_placement = UnitPlacement::kNone;
      s.basis_column = false;
      s.park_column = false;
      s.name_column = false;
    } else if (county == "222402") {
      en(PeriodStyle::kCompact);
      s.revision_column = true;
    } else if (county == "222403") {  // the last year as year-to-date values
      zh(PeriodStyle::kChinese);
      s.ytd = last_year;
    } else if (county == "222404") {  // 万元 in the header with full-width brackets
      zh(PeriodStyle::kChinesePadded);
      s.unit_placement = UnitPlacement::kHeaderFullWidth;
      s.unit_fen = kFenPerTenThousand;
      s.unit_text = "万元";
      s.basis_column = false;
      s.encoding = Encoding::kUtf8Bom;
    } else if (county == "222405") {
      en(PeriodStyle::kDash);
    } else if (county == "222406") {
      zh(PeriodStyle::kChinese);
    } else if (county == "222424") {
      en(PeriodStyle::kCompact);
      s.unit_text = "thousand";
    } else if (county == "222426") {
      zh(PeriodStyle::kDashShort);
      s.unit_placement = UnitPlacement::kHeader;
    } else if (county == "321023") {  // GBK with CRLF, 千元 in the header
      zh(PeriodStyle::kChinese);
      s.unit_placement = UnitPlacement::kHeader;
      s.encoding = Encoding::kGbk;
      s.crlf = true;
    } else if (county == "321282") {  // 千元 the first year, 万元 ("10k") afterwards
      en(PeriodStyle::kDash);
      s.revision_column = true;
      if (year_index > 0) {
        s.unit_fen = kFenPerTenThousand;
        s.unit_text = "10k";
      }
    } else if (county == "421003") {
      zh(PeriodStyle::kChinesePadded);
      s.period_first = true;
    } else {
      en(PeriodStyle::kDash);
    }
  } else {
    if (county == "222401") {
      zh(PeriodStyle::kChinese);
    } else if (county == "222402") {
      en(PeriodStyle::kCompact);
    } else if (county == "222403") {
      zh(PeriodStyle::kChinese);
      s.ytd = last_year;
    } else if (county == "222404") {
      zh(PeriodStyle::kChinesePadded);
      s.unit_fen = kFenPerTenThousand;
      s.unit_text = "万元";
      s.encoding = Encoding::kUtf8Bom;
    } else if (county == "222405") {  // no unit column (default 千元), no basis column
      en(PeriodStyle::kDash);
      s.unit_placement = UnitPlacement::kNone;
      s.basis_column = false;
    } else if (county == "222406") {
      zh(PeriodStyle::kChinese);
    } else if (county == "222424") {
      en(PeriodStyle::kCompact);
      s.unit_text = "thousand";
    } else if (county == "222426") {
      zh(PeriodStyle::kDashShort);
    } else if (county == "321023") {  // 元 with thousands separators
      zh(PeriodStyle::kChinese);
      s.unit_fen = kFenPerYuan;
      s.unit_text = "元";
      s.thousands = true;
      s.encoding = Encoding::kUtf8Bom;
    } else if (county == "321282") {
      en(PeriodStyle::kCompact);
      s.unit_text = "thousand";
      s.revision_column = true;
    } else {
      en(PeriodStyle::kDash);
    }
  }
  return s;
}

// A main-file row written differently from the rest of its file.
struct RowException {
  bool ytd = false;
  int64_t unit_fen = 0;  // 0: the file's unit
  std::string unit_text;
};

struct Sample {
  int first_year = 0;
  int years = 0;
  int periods = 0;
  std::vector<ParkSpec> parks;
  std::vector<Enterprise> enterprises;
  std::vector<std::vector<int>> park_members;  // enterprise indexes by park
  std::vector<Series> series;                  // by enterprise
  std::vector<std::string> outside_suppliers;
  std::set<std::pair<int, int>> late;          // (enterprise, period) held back for zz-late
  std::map<std::pair<int, int>, RowException> exceptions;
};

absl::StatusOr<std::string> MakeUscc(Rng& rng, const std::string& county,
                                     std::set<std::string>& used) {
  for (;;) {
    std::string s = absl::StrCat("91", county);
    if (rng.PerMille(500)) {  // codes issued since 2015 start with MA
      s += "MA";
      for (int i = 0; i < 7; ++i) s += kUsccAlphabet[rng.Uniform(0, 30)];
    } else {  // a former organisation code: eight digits and a check character
      for (int i = 0; i < 8; ++i) s += static_cast<char>('0' + rng.Uniform(0, 9));
      s += kUsccAlphabet[rng.Uniform(0, 30)];
    }
    const std::optional<char> check = domain::UsccCheckChar(s);
    if (!check.has_value()) {
      return absl::InternalError(absl::StrCat("no USCC check character for ", s));
    }
    s += *check;
    if (used.insert(s).second) return s;
  }
}

bool FullCoverage(const Sample& s, const Enterprise& e) {
  return e.above_size && !e.silent && e.first_period == 0 && e.end_period == s.periods;
}

int ParkIndex(const Sample& s, std::string_view county) {
  for (size_t i = 0; i < s.parks.size(); ++i) {
    if (s.parks[i].county == county) return static_cast<int>(i);
  }
  return -1;
}

// Full-coverage enterprises of a park other than its anchor, in registry order.
std::vector<int> RegularMembers(const Sample& s, int park) {
  std::vector<int> out;
  for (int e : s.park_members[static_cast<size_t>(park)]) {
    if (e != s.park_members[static_cast<size_t>(park)].front() &&
        FullCoverage(s, s.enterprises[static_cast<size_t>(e)])) {
      out.push_back(e);
    }
  }
  return out;
}

absl::Status BuildRegistry(uint64_t seed, Sample& s) {
  std::set<std::string> used_uscc;
  std::set<std::string> used_names;
  Rng outside_rng(SplitMix64(seed ^ 0x75ULL));
  for (const char* county : kOutsideCounties) {
    absl::StatusOr<std::string> uscc = MakeUscc(outside_rng, county, used_uscc);
    if (!uscc.ok()) return uscc.status();
    s.outside_suppliers.push_back(*uscc);
  }
  s.park_members.resize(s.parks.size());
  for (size_t p = 0; p < s.parks.size(); ++p) {
    const ParkSpec& spec = s.parks[p];
    Rng rng(SplitMix64(seed + 0x1000 * (p + 1)));
    int weight_sum = 0;
    for (const ClassSpec& c : spec.classes) weight_sum += c.weight;
    const int below_size = std::max(1, spec.enterprises * 15 / 100);
    for (int i = 0; i < spec.enterprises; ++i) {
      Enterprise e;
      e.park = static_cast<int>(p);
      e.park_id = spec.id;
      const ClassSpec* cls = &spec.classes[0];
      if (i > 0) {
        int64_t r = rng.Uniform(0, weight_sum - 1);
        for (const ClassSpec& c : spec.classes) {
          if (r < c.weight) {
            cls = &c;
            break;
          }
          r -= c.weight;
        }
      }
      e.industry = cls->code;
      absl::StatusOr<std::string> uscc = MakeUscc(rng, spec.county, used_uscc);
      if (!uscc.ok()) return uscc.status();
      e.uscc = *uscc;
      for (int attempt = 0;; ++attempt) {
        std::string name = absl::StrCat(
            spec.place, kNameWords[static_cast<size_t>(rng.Uniform(0, kNameWords.size() - 1))],
            cls->noun,
            kNameSuffixes[static_cast<size_t>(rng.Uniform(0, kNameSuffixes.size() - 1))]);
        if (attempt > 50) absl::StrAppend(&name, "(", i, ")");
        if (used_names.insert(name).second) {
          e.name = std::move(name);
          break;
        }
      }
      e.above_size = i < spec.enterprises - below_size;
      int64_t month_yuan;
      if (e.above_size) {
        month_yuan = spec.median_month_yuan *
                     ExpPpm(rng.NormalMilli(1000, 2500) * 900 / 1000) / 1'000'000;
        if (i == 0) month_yuan *= spec.anchor_multiple;
        if (i == 1 && spec.anchor_multiple >= 4) month_yuan *= spec.anchor_multiple / 2;
        month_yuan = std::max<int64_t>(month_yuan, 1'800'000);  // ≥ 20 million yuan a year
      } else {
        month_yuan = rng.Uniform(300'000, 1'500'000);
      }
      e.base_fen = month_yuan * kFenPerYuan;
      e.growth_pm = spec.growth_pm + rng.NormalMilli(1000, 2500) * 60 / 1000;
      e.export_pm = (cls->export_max_pm > 0 && rng.PerMille(600))
                        ? rng.Uniform(cls->export_max_pm / 4, cls->export_max_pm)
                        : 0;
      e.vat_pm = rng.Uniform(18, 40);
      e.cit_pm = rng.Uniform(3, 10);
      e.other_pm = rng.Uniform(100, 250);
      e.employees = std::clamp<int64_t>(
          MulPm(month_yuan * 12 / spec.yuan_per_worker_year, rng.Uniform(700, 1300)), 8,
          30'000);
      e.first_period = 0;
      e.end_period = s.periods;
      s.park_members[p].push_back(static_cast<int>(s.enterprises.size()));
      s.enterprises.push_back(std::move(e));
    }
  }

  // Entries, exits and a registered enterprise that never reports.
  auto above_tail = [&s](int park, int from_end) {
    const std::vector<int>& m = s.park_members[static_cast<size_t>(park)];
    const ParkSpec& spec = s.parks[static_cast<size_t>(park)];
    const int below_size = std::max(1, spec.enterprises * 15 / 100);
    return m[static_cast<size_t>(spec.enterprises - below_size - 1 - from_end)];
  };
  const int last_year_start = (s.years - 1) * kPeriodsPerYear;
  if (s.years >= 2) {
    s.enterprises[above_tail(ParkIndex(s, "321282"), 0)].first_period = last_year_start + 1;
    s.enterprises[above_tail(ParkIndex(s, "421003"), 0)].first_period = last_year_start;
    s.enterprises[above_tail(ParkIndex(s, "321023"), 0)].end_period = last_year_start;
    s.enterprises[above_tail(ParkIndex(s, "321023"), 1)].end_period = last_year_start;
    s.enterprises[above_tail(ParkIndex(s, "222401"), 0)].end_period = last_year_start;
  }
  s.enterprises[above_tail(ParkIndex(s, "222424"), 0)].silent = true;

  // Suppliers: mostly the same park, some the same prefecture, some outside.
  Rng supplier_rng(SplitMix64(seed ^ 0x599ULL));
  for (size_t i = 0; i < s.enterprises.size(); ++i) {
    Enterprise& e = s.enterprises[i];
    const std::string prefecture(std::string_view(e.uscc).substr(2, 4));
    std::vector<std::string> same_park;
    std::vector<std::string> same_prefecture;
    for (const Enterprise& o : s.enterprises) {
      if (o.uscc == e.uscc || o.silent) continue;
      if (o.park == e.park) {
        same_park.push_back(o.uscc);
      } else if (std::string_view(o.uscc).substr(2, 4) == prefecture) {
        same_prefecture.push_back(o.uscc);
      }
    }
    const int64_t n = supplier_rng.Uniform(1, 3);
    std::set<std::string> chosen;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t r = supplier_rng.Uniform(0, 999);
      std::string uscc;
      if (r < 150 && !same_prefecture.empty()) {
        uscc = supplier_rng.Pick(same_prefecture);
      } else if (r < 250 || same_park.empty()) {
        uscc = supplier_rng.Pick(s.outside_suppliers);
      } else {
        uscc = supplier_rng.Pick(same_park);
      }
      const int64_t pm = supplier_rng.Uniform(30, 150);
      if (chosen.insert(uscc).second) e.suppliers.push_back({uscc, pm});
    }
  }
  return absl::OkStatus();
}

void BuildSeries(uint64_t seed, Sample& s) {
  s.series.resize(s.enterprises.size());
  for (size_t p = 0; p < s.parks.size(); ++p) {
    const ParkSpec& spec = s.parks[p];
    Rng rng(SplitMix64(seed + 0x777 * (p + 1) + 0x10000));
    for (int ei : s.park_members[p]) {
      const Enterprise& e = s.enterprises[static_cast<size_t>(ei)];
      Series& series = s.series[static_cast<size_t>(ei)];
      series.output.assign(static_cast<size_t>(s.periods), std::nullopt);
      series.tax.assign(static_cast<size_t>(s.periods), std::nullopt);
      for (int pi = 0; pi < s.periods; ++pi) {
        const int y = pi / kPeriodsPerYear;
        const int w = pi % kPeriodsPerYear;
        const int64_t g_out = Granule(StyleFor(spec.county, y, s.years, Kind::kOutput));
        const int64_t g_tax = Granule(StyleFor(spec.county, y, s.years, Kind::kTax));
        int64_t v = e.base_fen;
        for (int k = 0; k < y; ++k) v = MulPm(v, 1000 + e.growth_pm);
        if (y > 0) v = MulPm(v, 1000 + spec.drift_pm * w);
        v = MulPm(v, kSeasonPm[static_cast<size_t>(w)]);
        v = MulPm(v, 1000 + rng.Uniform(-70, 70));

        OutputFigures o;
        o.gross = RoundTo(v, g_out);
        o.sales = std::min(o.gross, RoundTo(MulPm(o.gross, rng.Uniform(920, 1000)), g_out));
        const int64_t export_noise = rng.Uniform(800, 1200);
        o.exports = e.export_pm > 0
                        ? std::min(o.sales, RoundTo(MulPm(MulPm(o.sales, e.export_pm),
                                                          export_noise),
                                                    g_out))
                        : 0;
        int64_t staff = e.employees;
        for (int k = 0; k < y; ++k) staff = MulPm(staff, 1000 + e.growth_pm / 3);
        o.employees = std::max<int64_t>(1, MulPm(staff, 1000 + rng.Uniform(-25, 25)));

        TaxFigures t;
        t.vat = RoundTo(MulPm(MulPm(v, e.vat_pm), 1000 + rng.Uniform(-150, 150)), g_tax);
        t.cit = RoundTo(MulPm(MulPm(v, e.cit_pm), kCitPm[static_cast<size_t>(w)]), g_tax);
        t.total = t.vat + t.cit + RoundTo(MulPm(t.vat, e.other_pm), g_tax);
        for (const Supplier& sup : e.suppliers) {
          t.purchases.push_back(
              RoundTo(MulPm(MulPm(v, sup.purchases_pm), 1000 + rng.Uniform(-200, 200)), g_tax));
        }

        if (e.silent || pi < e.first_period || pi >= e.end_period) continue;
        if (e.above_size) series.output[static_cast<size_t>(pi)] = o;
        series.tax[static_cast<size_t>(pi)] = std::move(t);
      }
    }
  }
}

// Picks the rows that main files write differently and the rows held back as late reports.
void PickSpecialRows(uint64_t seed, Sample& s) {
  Rng rng(SplitMix64(seed ^ 0x1a7eULL));
  const int jingjiang = ParkIndex(s, "321282");
  const int jingzhou = ParkIndex(s, "421003");
  {
    const std::vector<int> m = RegularMembers(s, jingjiang);
    s.exceptions[{m[0], 4}] = RowException{true, 0, ""};               // June as ytd
    s.exceptions[{m[1], 7}] = RowException{false, kFenPerYuan, "元"};  // September in 元
  }
  {
    const std::vector<int> m = RegularMembers(s, jingzhou);
    s.exceptions[{m[0], 5}] = RowException{false, kFenPerTenThousand, "万元"};  // July
    s.exceptions[{m[1], 8}] = RowException{true, 0, ""};  // October as 累计
  }
  const std::array<std::pair<const char*, int>, 5> late = {
      {{"321282", 3}, {"321023", 5}, {"421003", 9}, {"222401", 1}, {"222404", 6}}};
  for (const auto& [county, w] : late) {
    std::vector<int> m = RegularMembers(s, ParkIndex(s, county));
    std::erase_if(m, [&s](int e) {
      for (const auto& [key, unused] : s.exceptions) {
        if (key.first == e) return true;
      }
      return false;
    });
    s.late.insert({rng.Pick(m), w});
  }
}

// ---------------------------------------------------------------------------------------
// CSV text.

enum class Col {
  kUscc,
  kName,
  kParkId,
  kIndustry,
  kPeriod,
  kBasis,
  kUnit,
  kGross,
  kSales,
  kExport,
  kEmployees,
  kTotalTax,
  kVat,
  kCit,
  kCounterparties,
  kRevision,
};

std::string_view Label(Col c, bool chinese) {
  switch (c) {
    case Col::kUscc: return chinese ? "统一社会信用代码" : "uscc";
    case Col::kName: return chinese ? "企业名称" : "name";
    case Col::kParkId: return chinese ? "园区代码" : "park_id";
    case Col::kIndustry: return chinese ? "行业代码" : "industry";
    case Col::kPeriod: return chinese ? "报告期" : "period";
    case Col::kBasis: return chinese ? "口径" : "basis";
    case Col::kUnit: return chinese ? "计量单位" : "unit";
    case Col::kGross: return chinese ? "工业总产值" : "gross_output";
    case Col::kSales: return chinese ? "销售产值" : "sales_output";
    case Col::kExport: return chinese ? "出口交货值" : "export_delivery";
    case Col::kEmployees: return chinese ? "平均用工人数" : "employees";
    case Col::kTotalTax: return chinese ? "税收总额" : "total_tax";
    case Col::kVat: return chinese ? "增值税" : "vat";
    case Col::kCit: return chinese ? "企业所得税" : "corporate_income_tax";
    case Col::kCounterparties: return chinese ? "主要供应商" : "counterparties";
    case Col::kRevision: return chinese ? "修订版本" : "revision";
  }
  return "";
}

bool IsMoney(Col c) {
  return c == Col::kGross || c == Col::kSales || c == Col::kExport || c == Col::kTotalTax ||
         c == Col::kVat || c == Col::kCit;
}

std::vector<Col> Columns(const FileStyle& st, Kind kind) {
  std::vector<Col> cols;
  if (kind == Kind::kOutput) {
    cols.push_back(Col::kUscc);
    if (st.name_column) cols.push_back(Col::kName);
    if (st.park_column) cols.push_back(Col::kParkId);
    cols.push_back(Col::kIndustry);
    if (st.period_first) {
      cols.insert(cols.begin(), Col::kPeriod);
    } else {
      cols.push_back(Col::kPeriod);
    }
    if (st.basis_column) cols.push_back(Col::kBasis);
    if (st.unit_placement == UnitPlacement::kColumn) cols.push_back(Col::kUnit);
    cols.insert(cols.end(), {Col::kGross, Col::kSales, Col::kExport, Col::kEmployees});
  } else {
    cols.push_back(Col::kUscc);
    cols.push_back(Col::kPeriod);
    if (st.basis_column) cols.push_back(Col::kBasis);
    if (st.unit_placement == UnitPlacement::kColumn) cols.push_back(Col::kUnit);
    cols.insert(cols.end(), {Col::kTotalTax, Col::kVat, Col::kCit, Col::kCounterparties});
  }
  if (st.revision_column) cols.push_back(Col::kRevision);
  return cols;
}

std::vector<std::string> HeaderLabels(const std::vector<Col>& cols, const FileStyle& st) {
  std::vector<std::string> out;
  for (Col c : cols) {
    std::string label(Label(c, st.chinese));
    if (IsMoney(c) && st.unit_placement == UnitPlacement::kHeader) {
      absl::StrAppend(&label, "(", st.unit_text, ")");
    } else if (IsMoney(c) && st.unit_placement == UnitPlacement::kHeaderFullWidth) {
      absl::StrAppend(&label, "（", st.unit_text, "）");
    }
    out.push_back(std::move(label));
  }
  return out;
}

// Exact decimal text of `fen` in a unit of `unit_fen` fen: trailing zeros dropped, or all
// fraction digits kept when `fixed` (元 with two decimals).
std::string FormatAmount(int64_t fen, int64_t unit_fen, bool thousands, bool fixed) {
  const bool negative = fen < 0;
  const uint64_t abs_fen = negative ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  const uint64_t unit = static_cast<uint64_t>(unit_fen);
  std::string whole = absl::StrCat(abs_fen / unit);
  if (thousands) {
    std::string grouped;
    for (size_t i = 0; i < whole.size(); ++i) {
      if (i > 0 && (whole.size() - i) % 3 == 0) grouped += ',';
      grouped += whole[i];
    }
    whole = std::move(grouped);
  }
  std::string out = absl::StrCat(negative ? "-" : "", whole);
  int digits = 0;
  for (uint64_t u = unit; u > 1; u /= 10) ++digits;
  const uint64_t rem = abs_fen % unit;
  if (digits > 0 && (rem != 0 || fixed)) {
    std::string frac = absl::StrFormat("%0*d", digits, rem);
    if (!fixed) {
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
    }
    absl::StrAppend(&out, ".", frac);
  }
  return out;
}

std::string CsvField(std::string_view f) {
  if (f.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(f);
  std::string out = "\"";
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

absl::StatusOr<std::string> Utf8ToGb18030(std::string_view in) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return absl::InternalError(
        absl::StrCat("iconv_open(GB18030, UTF-8) failed: ", std::strerror(errno)));
  }
  std::string out(in.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(in.data());
  size_t in_left = in.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  const size_t r = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  const int err = errno;
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) {
    return absl::InternalError(absl::StrCat("converting to GB18030 failed at byte ",
                                            in.size() - in_left, ": ", std::strerror(err)));
  }
  out.resize(out.size() - out_left);
  return out;
}

absl::Status WriteBytes(const fs::path& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return absl::UnavailableError(absl::StrCat("cannot open ", path.string()));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) return absl::UnavailableError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

using Cells = std::map<Col, std::string>;

// Writes a header and rows (cells by column; missing cells empty) in the file's encoding.
absl::Status WriteTable(const fs::path& path, const std::vector<std::string>& header,
                        const std::vector<Col>& cols, const std::vector<Cells>& rows,
                        const FileStyle& st) {
  const std::string eol = st.crlf ? "\r\n" : "\n";
  std::string text;
  std::vector<std::string> fields;
  for (const std::string& h : header) fields.push_back(CsvField(h));
  absl::StrAppend(&text, absl::StrJoin(fields, ","), eol);
  for (const Cells& row : rows) {
    fields.clear();
    for (Col c : cols) {
      auto it = row.find(c);
      fields.push_back(it == row.end() ? "" : CsvField(it->second));
    }
    absl::StrAppend(&text, absl::StrJoin(fields, ","), eol);
  }
  switch (st.encoding) {
    case Encoding::kUtf8:
      return WriteBytes(path, text);
    case Encoding::kUtf8Bom:
      return WriteBytes(path, absl::StrCat("\xEF\xBB\xBF", text));
    case Encoding::kGbk: {
      absl::StatusOr<std::string> gbk = Utf8ToGb18030(text);
      if (!gbk.ok()) return gbk.status();
      return WriteBytes(path, *gbk);
    }
  }
  return absl::InternalError("unknown encoding");
}

std::string BasisText(bool ytd, bool chinese) {
  if (chinese) return ytd ? "累计" : "本月";
  return ytd ? "ytd" : "month";
}

// How money is written in one row.
struct RowUnit {
  int64_t unit_fen = kFenPerThousand;
  std::string unit_text = "千元";
  bool thousands = false;
};

std::string Money(int64_t fen, const RowUnit& u) {
  return FormatAmount(fen, u.unit_fen, u.thousands, u.unit_fen == kFenPerYuan);
}

Cells OutputCells(const Enterprise& e, const Period& p, PeriodStyle period_style, bool chinese,
                  bool ytd, const RowUnit& unit, const OutputFigures& v, int revision) {
  Cells c;
  c[Col::kUscc] = e.uscc;
  c[Col::kName] = e.name;
  c[Col::kParkId] = e.park_id;
  c[Col::kIndustry] = e.industry;
  c[Col::kPeriod] = FormatPeriod(p, period_style);
  c[Col::kBasis] = BasisText(ytd, chinese);
  c[Col::kUnit] = unit.unit_text;
  c[Col::kGross] = Money(v.gross, unit);
  c[Col::kSales] = Money(v.sales, unit);
  c[Col::kExport] = Money(v.exports, unit);
  c[Col::kEmployees] = absl::StrCat(v.employees);
  c[Col::kRevision] = absl::StrCat(revision);
  return c;
}

Cells TaxCells(const Enterprise& e, const Period& p, PeriodStyle period_style, bool chinese,
               bool ytd, const RowUnit& unit, const TaxFigures& v, int revision) {
  Cells c;
  c[Col::kUscc] = e.uscc;
  c[Col::kPeriod] = FormatPeriod(p, period_style);
  c[Col::kBasis] = BasisText(ytd, chinese);
  c[Col::kUnit] = unit.unit_text;
  c[Col::kTotalTax] = Money(v.total, unit);
  c[Col::kVat] = Money(v.vat, unit);
  c[Col::kCit] = Money(v.cit, unit);
  std::vector<std::string> parts;
  RowUnit plain = unit;
  plain.thousands = false;  // commas inside the list would only confuse
  for (size_t i = 0; i < e.suppliers.size() && i < v.purchases.size(); ++i) {
    if (v.purchases[i] > 0) {
      parts.push_back(absl::StrCat(e.suppliers[i].uscc, ":", Money(v.purchases[i], plain)));
    }
  }
  c[Col::kCounterparties] = absl::StrJoin(parts, ";");
  c[Col::kRevision] = absl::StrCat(revision);
  return c;
}

// Year-to-date output of an enterprise at period index `pi` (employees: the period's own).
OutputFigures CumulativeOutput(const Series& s, int pi) {
  const int start = pi / kPeriodsPerYear * kPeriodsPerYear;
  OutputFigures sum;
  for (int k = start; k <= pi; ++k) {
    const auto& o = s.output[static_cast<size_t>(k)];
    if (!o.has_value()) continue;
    sum.gross += o->gross;
    sum.sales += o->sales;
    sum.exports += o->exports;
  }
  sum.employees = s.output[static_cast<size_t>(pi)]->employees;
  return sum;
}

TaxFigures CumulativeTax(const Series& s, int pi) {
  const int start = pi / kPeriodsPerYear * kPeriodsPerYear;
  TaxFigures sum;
  for (int k = start; k <= pi; ++k) {
    const auto& t = s.tax[static_cast<size_t>(k)];
    if (!t.has_value()) continue;
    sum.total += t->total;
    sum.vat += t->vat;
    sum.cit += t->cit;
    if (sum.purchases.size() < t->purchases.size()) sum.purchases.resize(t->purchases.size());
    for (size_t i = 0; i < t->purchases.size(); ++i) sum.purchases[i] += t->purchases[i];
  }
  return sum;
}

Period PeriodAt(const Sample& s, int pi) {
  return PeriodOf(s.first_year + pi / kPeriodsPerYear, pi % kPeriodsPerYear);
}

RowUnit UnitOfFile(const FileStyle& st) {
  return RowUnit{st.unit_fen, st.unit_text, st.thousands};
}

// The unit for a row of a free-standing file (late, revisions): 千元 when exact, else 元.
RowUnit PlainUnit(int64_t fen_a, int64_t fen_b) {
  if (fen_a % 10'000 == 0 && fen_b % 10'000 == 0) return RowUnit{kFenPerThousand, "千元", false};
  return RowUnit{kFenPerYuan, "元", false};
}

// ---------------------------------------------------------------------------------------
// Files.

struct FileCount {
  std::string name;
  size_t rows = 0;
  std::string note;
};

absl::Status WriteRegistry(const Sample& s, const fs::path& dir, std::vector<FileCount>& counts) {
  {
    std::string text = "park_id,name,county_code,area_mu,level,leading_industries,groups\n";
    for (const ParkSpec& p : s.parks) {
      absl::StrAppend(&text,
                      absl::StrJoin({std::string(p.id), CsvField(p.name), std::string(p.county),
                                     absl::StrCat(p.area_mu), std::string(p.level),
                                     std::string(p.leading), CsvField(p.groups)},
                                    ","),
                      "\n");
    }
    CW_SAMPLE_RETURN_IF_ERROR(WriteBytes(dir / "parks.csv", text));
    counts.push_back({"registry/parks.csv", s.parks.size(), "parks, English headers"});
  }
  {
    std::string text = "uscc,name,park_id,industry,above_size\n";
    for (const Enterprise& e : s.enterprises) {
      absl::StrAppend(&text,
                      absl::StrJoin({e.uscc, CsvField(e.name), e.park_id, e.industry,
                                     std::string(e.above_size ? "1" : "0")},
                                    ","),
                      "\n");
    }
    CW_SAMPLE_RETURN_IF_ERROR(WriteBytes(dir / "enterprises.csv", text));
    counts.push_back(
        {"registry/enterprises.csv", s.enterprises.size(), "enterprises, English headers"});
  }
  return absl::OkStatus();
}

std::string DescribeStyle(const FileStyle& st) {
  std::string unit;
  switch (st.unit_placement) {
    case UnitPlacement::kNone: unit = "no unit column (default 千元)"; break;
    case UnitPlacement::kColumn: unit = absl::StrCat("unit column \"", st.unit_text, "\""); break;
    case UnitPlacement::kHeader: unit = absl::StrCat("unit in header (", st.unit_text, ")"); break;
    case UnitPlacement::kHeaderFullWidth:
      unit = absl::StrCat("unit in header （", st.unit_text, "） full-width");
      break;
  }
  return absl::StrCat(st.chinese ? "Chinese" : "English", " headers, ", unit,
                      st.ytd ? ", year-to-date (累计)" : "",
                      st.basis_column ? "" : ", no basis column",
                      st.encoding == Encoding::kGbk      ? ", GBK, CRLF"
                      : st.encoding == Encoding::kUtf8Bom ? ", UTF-8 with BOM"
                                                          : "",
                      st.thousands ? ", thousands separators" : "",
                      st.period_first ? ", period first" : "",
                      st.park_column ? "" : ", no park column");
}

absl::Status WriteMainReports(const Sample& s, const fs::path& dir,
                              std::vector<FileCount>& counts) {
  for (size_t p = 0; p < s.parks.size(); ++p) {
    const ParkSpec& spec = s.parks[p];
    for (int y = 0; y < s.years; ++y) {
      const int year = s.first_year + y;
      {
        const FileStyle st = StyleFor(spec.county, y, s.years, Kind::kOutput);
        const std::vector<Col> cols = Columns(st, Kind::kOutput);
        std::vector<Cells> rows;
        for (int w = 0; w < kPeriodsPerYear; ++w) {
          const int pi = y * kPeriodsPerYear + w;
          for (int ei : s.park_members[p]) {
            const Series& series = s.series[static_cast<size_t>(ei)];
            if (!series.output[static_cast<size_t>(pi)].has_value()) continue;
            if (s.late.contains({ei, pi})) continue;
            bool ytd = st.ytd;
            RowUnit unit = UnitOfFile(st);
            if (auto it = s.exceptions.find({ei, pi}); it != s.exceptions.end()) {
              ytd = ytd || it->second.ytd;
              if (it->second.unit_fen != 0) {
                unit = RowUnit{it->second.unit_fen, it->second.unit_text, false};
              }
            }
            const OutputFigures v =
                ytd ? CumulativeOutput(series, pi) : *series.output[static_cast<size_t>(pi)];
            rows.push_back(OutputCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi),
                                       st.period_style, st.chinese, ytd, unit, v, 1));
          }
        }
        const std::string name = absl::StrCat(spec.county, "-", year, "-output.csv");
        CW_SAMPLE_RETURN_IF_ERROR(
            WriteTable(dir / name, HeaderLabels(cols, st), cols, rows, st));
        counts.push_back({absl::StrCat("reports/", name), rows.size(),
                          absl::StrCat("output, ", DescribeStyle(st))});
      }
      {
        const FileStyle st = StyleFor(spec.county, y, s.years, Kind::kTax);
        const std::vector<Col> cols = Columns(st, Kind::kTax);
        std::vector<Cells> rows;
        for (int w = 0; w < kPeriodsPerYear; ++w) {
          const int pi = y * kPeriodsPerYear + w;
          for (int ei : s.park_members[p]) {
            const Series& series = s.series[static_cast<size_t>(ei)];
            if (!series.tax[static_cast<size_t>(pi)].has_value()) continue;
            const TaxFigures v =
                st.ytd ? CumulativeTax(series, pi) : *series.tax[static_cast<size_t>(pi)];
            rows.push_back(TaxCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi),
                                    st.period_style, st.chinese, st.ytd, UnitOfFile(st), v, 1));
          }
        }
        const std::string name = absl::StrCat(spec.county, "-", year, "-tax.csv");
        CW_SAMPLE_RETURN_IF_ERROR(
            WriteTable(dir / name, HeaderLabels(cols, st), cols, rows, st));
        counts.push_back({absl::StrCat("reports/", name), rows.size(),
                          absl::StrCat("tax, ", DescribeStyle(st))});
      }
    }
  }
  return absl::OkStatus();
}

// A free-standing English output file with every column (late reports, revisions, faults).
FileStyle FullOutputStyle() {
  FileStyle st;
  st.revision_column = true;
  return st;
}

absl::Status WriteLate(const Sample& s, const fs::path& dir, std::vector<FileCount>& counts) {
  const FileStyle st = FullOutputStyle();
  const std::vector<Col> cols = Columns(st, Kind::kOutput);
  std::vector<Cells> rows;
  for (const auto& [ei, pi] : s.late) {
    const OutputFigures& v = *s.series[static_cast<size_t>(ei)].output[static_cast<size_t>(pi)];
    rows.push_back(OutputCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi),
                               PeriodStyle::kChinese, false, false, PlainUnit(v.gross, v.sales),
                               v, 1));
  }
  CW_SAMPLE_RETURN_IF_ERROR(
      WriteTable(dir / "zz-late.csv", HeaderLabels(cols, st), cols, rows, st));
  counts.push_back({"reports/zz-late.csv", rows.size(),
                    "late output reports for periods missing from the main files"});
  return absl::OkStatus();
}

// Changes an amount by a factor of 0.88..1.12 other than about 1, keeping the granule.
int64_t Revise(Rng& rng, int64_t fen, int64_t granule) {
  int64_t f = rng.Uniform(880, 1100);
  if (f >= 985) f += 30;  // skip 0.985..1.015
  return RoundTo(MulPm(fen, f), granule);
}

OutputFigures ReviseOutput(Rng& rng, const OutputFigures& v) {
  OutputFigures r = v;
  r.gross = Revise(rng, v.gross, 10'000);
  r.sales = std::min(r.gross, Revise(rng, v.sales, 10'000));
  r.exports = std::min(r.sales, v.exports == 0 ? 0 : Revise(rng, v.exports, 10'000));
  return r;
}

absl::Status WriteRevisions(uint64_t seed, const Sample& s, const fs::path& dir,
                            std::vector<FileCount>& counts) {
  Rng rng(SplitMix64(seed ^ 0x4e715ULL));
  const FileStyle st = FullOutputStyle();
  const std::vector<Col> cols = Columns(st, Kind::kOutput);
  const RowUnit qian{kFenPerThousand, "千元", false};
  const int dunhua = ParkIndex(s, "222403");

  // Earlier periods of the first year, of enterprises whose rows are plain month values.
  std::vector<std::pair<int, int>> eligible;
  for (size_t p = 0; p < s.parks.size(); ++p) {
    if (static_cast<int>(p) == dunhua) continue;
    for (int ei : RegularMembers(s, static_cast<int>(p))) {
      for (int pi = 0; pi < std::min(s.periods - 3, kPeriodsPerYear); ++pi) {
        if (s.late.contains({ei, pi}) || s.exceptions.contains({ei, pi})) continue;
        eligible.push_back({ei, pi});
      }
    }
  }
  std::vector<std::pair<int, int>> picked;
  std::set<std::pair<int, int>> seen;
  while (picked.size() < 10 && picked.size() < eligible.size()) {
    const auto key = rng.Pick(eligible);
    if (seen.insert(key).second) picked.push_back(key);
  }

  std::vector<Cells> rows;
  std::vector<std::string> notes;
  auto month_row = [&](std::pair<int, int> key, int revision) {
    const auto& [ei, pi] = key;
    const OutputFigures& v =
        *s.series[static_cast<size_t>(ei)].output[static_cast<size_t>(pi)];
    rows.push_back(OutputCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi),
                               PeriodStyle::kDash, false, false, qian, ReviseOutput(rng, v),
                               revision));
  };
  // Eight plain revisions 2.
  for (size_t i = 0; i < 8 && i < picked.size(); ++i) month_row(picked[i], 2);
  if (picked.size() >= 10) {
    // Revision 3 of the second key, then a stale revision 2 of it that must lose.
    month_row(picked[1], 3);
    month_row(picked[1], 2);
    // Equal revision (1) restated in a later file: the later file wins.
    month_row(picked[8], 1);
  }
  // A revised year-to-date value of 敦化's year-to-date year (changes two derived months).
  {
    const int y = s.years - 1;
    const int pi = y * kPeriodsPerYear + 5;
    std::vector<int> m = RegularMembers(s, dunhua);
    if (!m.empty()) {
      const int ei = rng.Pick(m);
      OutputFigures v = CumulativeOutput(s.series[static_cast<size_t>(ei)], pi);
      v.gross = RoundTo(MulPm(v.gross, rng.Uniform(1030, 1080)), 10'000);
      rows.push_back(OutputCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi),
                                 PeriodStyle::kDash, false, true, qian, v, 2));
    }
  }
  CW_SAMPLE_RETURN_IF_ERROR(
      WriteTable(dir / "zz-revisions.csv", HeaderLabels(cols, st), cols, rows, st));
  counts.push_back({"reports/zz-revisions.csv", rows.size(),
                    "output revisions: revision 2 rows; a revision 3 followed by a stale "
                    "revision 2 of the same report (3 wins); a revision 1 restated (later "
                    "file wins); a revised year-to-date value of 敦化"});

  // Tax revisions: three first-year tax reports, in 元.
  FileStyle tst;
  tst.revision_column = true;
  const std::vector<Col> tcols = Columns(tst, Kind::kTax);
  std::vector<Cells> trows;
  const RowUnit yuan{kFenPerYuan, "元", false};
  for (size_t p = 0; p < s.parks.size() && trows.size() < 3; p += 4) {
    std::vector<int> m = RegularMembers(s, static_cast<int>(p));
    if (m.empty()) continue;
    const int ei = rng.Pick(m);
    const int pi = static_cast<int>(rng.Uniform(0, std::min(kPeriodsPerYear, s.periods) - 1));
    if (StyleFor(s.parks[p].county, 0, s.years, Kind::kTax).ytd) continue;
    TaxFigures v = *s.series[static_cast<size_t>(ei)].tax[static_cast<size_t>(pi)];
    const int64_t other = v.total - v.vat - v.cit;
    v.vat = Revise(rng, v.vat, 1);
    v.cit = Revise(rng, v.cit, 1);
    v.total = v.vat + v.cit + other;
    trows.push_back(TaxCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi),
                             PeriodStyle::kDash, false, false, yuan, v, 2));
  }
  CW_SAMPLE_RETURN_IF_ERROR(
      WriteTable(dir / "zz-revisions-tax.csv", HeaderLabels(tcols, tst), tcols, trows, tst));
  counts.push_back({"reports/zz-revisions-tax.csv", trows.size(), "tax revisions (revision 2)"});
  return absl::OkStatus();
}

absl::Status WriteBad(uint64_t seed, const Sample& s, const fs::path& dir,
                      std::vector<FileCount>& counts, std::vector<std::string>& faults) {
  Rng rng(SplitMix64(seed ^ 0xbadULL));
  const FileStyle st = FullOutputStyle();
  const std::vector<Col> cols = Columns(st, Kind::kOutput);
  const RowUnit qian{kFenPerThousand, "千元", false};
  const int y = s.years - 1;
  const int last_year = s.first_year + y;

  // A valid row of a regular enterprise of park `p` at period w of the last year, to spoil.
  auto base_row = [&](int p, int w) {
    std::vector<int> m = RegularMembers(s, p % static_cast<int>(s.parks.size()));
    const int ei = rng.Pick(m);
    const int pi = y * kPeriodsPerYear + w;
    const OutputFigures& v =
        *s.series[static_cast<size_t>(ei)].output[static_cast<size_t>(pi)];
    return OutputCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi),
                       PeriodStyle::kDash, false, false, qian, v, 1);
  };
  std::vector<Cells> rows;
  auto add = [&](Cells c, std::string fault) {
    rows.push_back(std::move(c));
    faults.push_back(absl::StrCat("line ", rows.size() + 1, ": ", fault));
  };
  {
    Cells c = base_row(0, 2);
    std::string& uscc = c[Col::kUscc];
    const size_t pos = kUsccAlphabet.find(uscc.back());
    uscc.back() = kUsccAlphabet[(pos + 7) % kUsccAlphabet.size()];
    add(c, "uscc: wrong check character");
  }
  {
    Cells c = base_row(1, 3);
    c[Col::kIndustry] = "9999";
    add(c, "industry: 9999, division 99 does not exist");
  }
  {
    Cells c = base_row(2, 4);
    c[Col::kParkId] = "P999999X";
    add(c, "park_id: P999999X is not in the registry");
  }
  {
    Cells c = base_row(3, 5);
    c[Col::kGross] = "-1234.5";
    add(c, "gross_output: negative");
  }
  {
    Cells c = base_row(4, 6);
    c[Col::kGross] = "12O5.3";
    add(c, "gross_output: not a number (letter O)");
  }
  {
    Cells c = base_row(5, 7);
    c[Col::kPeriod] = absl::StrCat(last_year, "-13");
    add(c, "period: month 13");
  }
  {
    Cells c = base_row(8, 8);
    c[Col::kGross] = "5000000000000";
    add(c, "gross_output: 5e12 千元 in one month, implausible");
  }
  {
    Cells c = base_row(9, 9);
    c[Col::kUnit] = "元";
    c[Col::kGross] = "1.001";
    c[Col::kSales] = "1.00";
    c[Col::kExport] = "0";
    add(c, "gross_output: 1.001 元 is finer than a fen");
  }
  {
    Cells c = base_row(10, 1);
    c[Col::kUnit] = "美元";
    add(c, "unit: 美元 is not a known unit");
  }
  {
    Cells c = base_row(6, 2);
    c[Col::kPeriod] = "1990-03";
    add(c, "period: year 1990 before 2000");
  }
  {
    Cells c = base_row(7, 3);
    c[Col::kEmployees] = "-5";
    add(c, "employees: negative");
  }
  CW_SAMPLE_RETURN_IF_ERROR(WriteTable(dir / "zz-bad.csv", HeaderLabels(cols, st), cols, rows, st));
  counts.push_back({"reports/zz-bad.csv", rows.size(), "output rows, each with one fault"});

  // Tax faults.
  FileStyle tst;
  tst.revision_column = true;
  const std::vector<Col> tcols = Columns(tst, Kind::kTax);
  std::vector<Cells> trows;
  auto tax_row = [&](int p, int w) {
    std::vector<int> m = RegularMembers(s, p % static_cast<int>(s.parks.size()));
    const int ei = rng.Pick(m);
    const int pi = y * kPeriodsPerYear + w;
    const TaxFigures& v = *s.series[static_cast<size_t>(ei)].tax[static_cast<size_t>(pi)];
    return TaxCells(s.enterprises[static_cast<size_t>(ei)], PeriodAt(s, pi), PeriodStyle::kDash,
                    false, false, PlainUnit(v.total, v.vat), v, 1);
  };
  auto tadd = [&](Cells c, std::string fault) {
    trows.push_back(std::move(c));
    faults.push_back(absl::StrCat("zz-bad-tax.csv line ", trows.size() + 1, ": ", fault));
  };
  {
    Cells c = tax_row(8, 2);
    std::set<std::string> used;
    for (const Enterprise& e : s.enterprises) used.insert(e.uscc);
    absl::StatusOr<std::string> stranger = MakeUscc(rng, "321282", used);
    if (!stranger.ok()) return stranger.status();
    c[Col::kUscc] = *stranger;
    tadd(c, "uscc: valid code of an enterprise not in the registry");
  }
  {
    Cells c = tax_row(9, 3);
    std::string bad = s.outside_suppliers[0];
    const size_t pos = kUsccAlphabet.find(bad.back());
    bad.back() = kUsccAlphabet[(pos + 3) % kUsccAlphabet.size()];
    c[Col::kCounterparties] = absl::StrCat(bad, ":120.5");
    tadd(c, "counterparties: supplier code with a wrong check character");
  }
  {
    Cells c = tax_row(10, 4);
    c[Col::kVat] = "-12.5";
    tadd(c, "vat: negative");
  }
  {
    Cells c = tax_row(0, 5);
    c[Col::kTotalTax] = "";
    tadd(c, "total_tax: missing (a missing figure is not zero)");
  }
  CW_SAMPLE_RETURN_IF_ERROR(
      WriteTable(dir / "zz-bad-tax.csv", HeaderLabels(tcols, tst), tcols, trows, tst));
  counts.push_back({"reports/zz-bad-tax.csv", trows.size(), "tax rows, each with one fault"});
  return absl::OkStatus();
}

absl::Status WriteReadme(const SampleOptions& o, const fs::path& path,
                         const std::vector<FileCount>& counts,
                         const std::vector<std::string>& faults) {
  std::string t = absl::StrFormat(
      "clusterwatch sample data (seed %d, years %d..%d)\n"
      "=================================================\n\n"
      "Generated by `clusterctl gen-sample`; the same seed gives the same bytes. The totals\n"
      "the system must compute from these files come from tests/system/ground_truth.py:\n"
      "  python3 tests/system/ground_truth.py --sample <this dir> [--json]\n\n"
      "Push registry/ first, then reports/ in sorted file-name order.\n\n"
      "Parks: one per county-level unit of 延边 (222401..222426), 靖江经济技术开发区\n"
      "(321282), 荆州开发区 (421003) and 宝应's glass park (321023). Enterprises carry valid\n"
      "USCCs (91 + the park's county + 9 characters + check character); about 15%% per park\n"
      "are below the designated size and file tax reports only.\n\n"
      "Periods: 1-2月 (January–February combined), then March..December, every year.\n"
      "Money is in 千元 unless a file says otherwise (unit column or header unit).\n\n"
      "Population changes (for year-on-year and exit alerts):\n"
      "  - 靖江 and 荆州 each gain an enterprise in the last year (from March / from 1-2月);\n"
      "  - 宝应 loses two enterprises and 延吉 one after the year before last;\n"
      "  - one registered 汪清 enterprise never reports;\n"
      "  - 宝应's glass park declines (about -12%% a year, sliding further in the last year).\n\n"
      "Rows written differently from the rest of their file:\n"
      "  - 靖江 first year: one row as year-to-date (ytd) for June, one row in 元 for September;\n"
      "  - 荆州 first year: one row in 万元 (July), one row 累计 for October;\n"
      "  - five first-year output reports are missing from the main files and arrive in\n"
      "    zz-late.csv.\n\n"
      "Files:\n",
      o.seed, o.first_year, o.first_year + o.years - 1);
  for (const FileCount& c : counts) {
    absl::StrAppend(&t, absl::StrFormat("  %-30s %5d rows  %s\n", c.name, c.rows, c.note));
  }
  absl::StrAppend(&t, "\nDeliberate faults (each row of zz-bad*.csv must be rejected):\n");
  for (const std::string& f : faults) {
    absl::StrAppend(&t, "  ", absl::StrContains(f, ".csv") ? "" : "zz-bad.csv ", f, "\n");
  }
  absl::StrAppend(&t,
                  "\nRegion groups of 延边 (一核·两带·两区·多节点): 延龙图核心 (延吉, 龙井,\n"
                  "图们), 珲春—长春开放带 (珲春, 敦化), 东部区 (汪清), 西部区 (和龙, 安图).\n");
  return WriteBytes(path, t);
}

}  // namespace

absl::Status WriteSample(const SampleOptions& options) {
  if (options.out_dir.empty()) {
    return absl::InvalidArgumentError("out_dir is empty; expected a directory to write into");
  }
  if (options.years < 1 || options.years > 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("years is ", options.years, "; expected 1..10"));
  }
  if (options.scale < 1 || options.scale > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("scale is ", options.scale, "; expected 1..1000"));
  }
  if (options.first_year < 2000 || options.first_year + options.years - 1 > 2100) {
    return absl::InvalidArgumentError(absl::StrCat("years ", options.first_year, "..",
                                                   options.first_year + options.years - 1,
                                                   " fall outside 2000..2100"));
  }
  Sample s;
  s.first_year = options.first_year;
  s.years = options.years;
  s.periods = options.years * kPeriodsPerYear;
  s.parks = SeedParks();
  for (ParkSpec& spec : s.parks) spec.enterprises *= options.scale;
  CW_SAMPLE_RETURN_IF_ERROR(BuildRegistry(options.seed, s));
  BuildSeries(options.seed, s);
  PickSpecialRows(options.seed, s);

  const fs::path root(options.out_dir);
  std::error_code ec;
  for (const fs::path& d : {root / "registry", root / "reports"}) {
    fs::create_directories(d, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot create directory ", d.string(), ": ", ec.message()));
    }
  }
  std::vector<FileCount> counts;
  std::vector<std::string> faults;
  CW_SAMPLE_RETURN_IF_ERROR(WriteRegistry(s, root / "registry", counts));
  CW_SAMPLE_RETURN_IF_ERROR(WriteMainReports(s, root / "reports", counts));
  CW_SAMPLE_RETURN_IF_ERROR(WriteLate(s, root / "reports", counts));
  CW_SAMPLE_RETURN_IF_ERROR(WriteRevisions(options.seed, s, root / "reports", counts));
  CW_SAMPLE_RETURN_IF_ERROR(WriteBad(options.seed, s, root / "reports", counts, faults));
  std::sort(counts.begin(), counts.end(),
            [](const FileCount& a, const FileCount& b) { return a.name < b.name; });
  return WriteReadme(options, root / "README.txt", counts, faults);
}

}  // namespace cw::sample
