// The national generator: see national.h. Integer arithmetic only; randomness from
// std::mt19937_64 (registry) and SplitMix64 hashes (report figures).
#include "bench/national/national.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "bench/national/tables.h"
#include "common/domain/codes.h"
#include "common/domain/random.h"
#include "common/domain/totals.h"

namespace cw::national {
namespace {

namespace pb = clusterwatch::v1;

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int64_t kFenPerThousandYuan = 100'000;  // 千元: output figures are whole 千元
constexpr int64_t kFenPerYuan = 100;              // tax figures are whole 元
constexpr int64_t kMedianMonthFen = 1'000'000'000;  // 10 M yuan: median ordinary month
constexpr int64_t kSigmaMilli = 1100;               // log-normal σ of firm sizes
constexpr int64_t kFloorMonthFen = 170'000'000;     // 1.7 M yuan: 20 M yuan a year

// Seasonal factor of each period, per mille of an ordinary month (1-2月 covers two months
// with the Spring Festival lull; December's year-end push).
constexpr std::array<int64_t, kPeriodsPerYear> kSeasonPm = {1700, 1040, 990,  1010, 1090, 950,
                                                            960,  1060, 930,  1030, 1180};
// Corporate income tax is prepaid quarterly (in January, April, July and October).
constexpr std::array<int64_t, kPeriodsPerYear> kCitPm = {2200, 400, 2200, 400, 400, 2200,
                                                         400,  400, 2200, 400, 400};

using domain::ExpPpm;
using domain::SplitMix64;

class Rng : public domain::Rng {
 public:
  using domain::Rng::Rng;
  // An index drawn with the given weights. REQUIRES: a positive total.
  size_t Weighted(const std::vector<int64_t>& w) {
    int64_t total = 0;
    for (int64_t x : w) total += x;
    int64_t r = Uniform(0, total - 1);
    for (size_t i = 0; i < w.size(); ++i) {
      if (r < w[i]) return i;
      r -= w[i];
    }
    return w.size() - 1;
  }
};

// Rounds a non-negative amount to a multiple of `granule` (0 stays 0).
int64_t RoundTo(int64_t v, int64_t granule) {
  if (v <= 0) return 0;
  return (v + granule / 2) / granule * granule;
}

// `text` split at `sep`, empty pieces dropped.
std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int64_t ISqrt(int64_t v) {
  int64_t r = 0;
  while ((r + 1) * (r + 1) <= v) ++r;
  return r;
}

// Splits `total` over `weights` by largest remainder (ties to the lower index).
// REQUIRES: weights non-negative with a positive sum.
std::vector<int64_t> Apportion(int64_t total, const std::vector<int64_t>& weights) {
  int64_t sum = 0;
  for (int64_t w : weights) sum += w;
  std::vector<int64_t> out(weights.size());
  std::vector<std::pair<int64_t, size_t>> rem;  // (-remainder, index)
  int64_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const __int128 x = static_cast<__int128>(total) * weights[i];
    out[i] = static_cast<int64_t>(x / sum);
    rem.emplace_back(-static_cast<int64_t>(x % sum), i);
    given += out[i];
  }
  std::sort(rem.begin(), rem.end());
  for (size_t k = 0; given < total; ++k, ++given) ++out[rem[k % rem.size()].second];
  return out;
}

// A USCC: "91" (enterprise, registered with market regulation), the county, five characters
// encoding `serial` (unique per generated code), four random ones, the check character.
std::string MakeUscc(std::string_view county, uint64_t serial, Rng& rng) {
  std::string s = absl::StrCat("91", std::string(county));
  std::string enc(5, '0');
  for (int i = 4; i >= 0; --i) {
    enc[static_cast<size_t>(i)] = kUsccAlphabet[serial % 31];
    serial /= 31;
  }
  s += enc;
  for (int i = 0; i < 4; ++i) s += kUsccAlphabet[static_cast<size_t>(rng.Uniform(0, 30))];
  s += *domain::UsccCheckChar(s);
  return s;
}

constexpr const char* kParkKinds[] = {"经济技术开发区", "高新技术产业开发区", "经济开发区",
                                      "工业园区", "高新技术产业园区", "产业集聚区"};

}  // namespace

absl::StatusOr<int64_t> ParseScalePpm(std::string_view text) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {  // split at '.', keeping empty pieces
    const size_t end = text.find('.', start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (parts.size() > 2 || parts[0].empty() || parts[0].size() > 6 || !digits(parts[0]) ||
      (parts.size() == 2 && (parts[1].empty() || parts[1].size() > 6 || !digits(parts[1])))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scale '", std::string(text), "' is not a decimal such as 1, 0.25 or 2.5 (at most six "
        "decimals)"));
  }
  int64_t ppm = 0;
  for (char c : parts[0]) ppm = ppm * 10 + (c - '0');
  ppm *= 1'000'000;
  if (parts.size() == 2) {
    int64_t frac = 0;
    for (char c : parts[1]) frac = frac * 10 + (c - '0');
    for (size_t i = parts[1].size(); i < 6; ++i) frac *= 10;
    ppm += frac;
  }
  if (ppm == 0) return absl::InvalidArgumentError("scale must be above zero");
  return ppm;
}

domain::Period PeriodAt(int year, int w) {
  domain::Period p;
  p.year = year;
  p.month = w == 0 ? 2 : w + 2;
  p.jan_feb = w == 0;
  return p;
}

absl::StatusOr<National> National::Build(const Options& o) {
  if (o.parks < 1 || o.parks > 100'000 || o.enterprises < 1 || o.enterprises > 50'000'000 ||
      o.scale_ppm < 1) {
    return absl::InvalidArgumentError(
        "parks must be 1..100,000, enterprises 1..50,000,000 and the scale above zero");
  }
  for (int pm : {o.ytd_share_pm, o.revision_pm, o.late_pm}) {
    if (pm < 0 || pm > 1000) return absl::InvalidArgumentError("shares are per mille, 0..1000");
  }
  if (o.first_year < 2000 || o.first_year > 2090) {
    return absl::InvalidArgumentError("first_year must be 2000..2090");
  }
  National n(o);
  const int64_t park_count =
      std::max<int64_t>(1, static_cast<int64_t>(static_cast<__int128>(o.parks) * o.scale_ppm /
                                                1'000'000));
  const int64_t ent_count = std::max<int64_t>(
      park_count,
      static_cast<int64_t>(static_cast<__int128>(o.enterprises) * o.scale_ppm / 1'000'000));
  if (ent_count > 50'000'000 || park_count > 100'000) {
    return absl::InvalidArgumentError("scaled counts too large (over 50 M enterprises)");
  }
  Rng rng(SplitMix64(o.seed ^ 0x4E4154494F4E414CULL));

  // Prefectures by province, and the real county codes under each prefecture.
  std::map<std::string, std::vector<size_t>> prefs_of_province;
  for (size_t i = 0; i < tables::kPrefectureCount; ++i) {
    prefs_of_province[std::string(tables::kPrefectures[i].code).substr(0, 2)].push_back(i);
  }
  std::map<std::string, std::vector<std::string>> real_counties;  // by 4-digit prefix
  for (const std::string& c : Split(tables::kRealCounties, ' ')) {
    real_counties[c.substr(0, 4)].push_back(c);
  }

  // Parks over provinces (flattened weights: every province has zones), then prefectures.
  std::vector<int64_t> pweights;
  for (size_t i = 0; i < tables::kProvinceCount; ++i) {
    pweights.push_back(ISqrt(tables::kProvinces[i].enterprise_weight * 100));
  }
  const std::vector<int64_t> parks_per_province = Apportion(park_count, pweights);
  std::map<std::string, int> seq_in_county, seq_in_name;
  std::vector<int64_t> capacity;  // relative number of enterprises per park
  for (size_t pv = 0; pv < tables::kProvinceCount; ++pv) {
    const std::vector<size_t>& prefs = prefs_of_province[tables::kProvinces[pv].code];
    std::vector<int64_t> pref_weights(prefs.size(), 2);
    pref_weights[0] = 5;  // the capital (listed first) has more zones
    for (int64_t k = 0; k < parks_per_province[pv]; ++k) {
      const tables::Prefecture& pref = tables::kPrefectures[prefs[rng.Weighted(pref_weights)]];
      const std::string prefix = std::string(pref.code).substr(0, 4);
      Park park;
      auto rc = real_counties.find(prefix);
      if (rc != real_counties.end()) {
        park.county = rc->second[static_cast<size_t>(
            rng.Uniform(0, static_cast<int64_t>(rc->second.size()) - 1))];
      } else {
        park.county = absl::StrFormat("%s%02d", prefix, rng.Uniform(2, 12));
      }
      park.id = absl::StrFormat("N%s-%02d", park.county, ++seq_in_county[park.county]);
      park.national_level = rng.PerMille(217);  // 552 of the catalogue's 2,543 are national
      const char* kind = kParkKinds[park.national_level ? rng.Uniform(0, 1) : rng.Uniform(2, 5)];
      std::string name = absl::StrCat(pref.name, kind);
      const int same = ++seq_in_name[name];
      park.name = same == 1 ? name : absl::StrCat(name, "第", same, "片区");
      const int64_t leading = rng.Uniform(2, 5);
      std::vector<int64_t> dw;
      for (size_t d = 0; d < tables::kDivisionCount; ++d) dw.push_back(tables::kDivisions[d].weight);
      for (int64_t l = 0; l < leading; ++l) {
        const size_t d = rng.Weighted(dw);
        dw[d] = 0;
        park.leading_divisions.push_back(tables::kDivisions[d].code);
      }
      park.trend_milli = rng.Uniform(-120, 180);
      capacity.push_back(std::max<int64_t>(
          1, tables::kProvinces[pv].enterprise_weight * 1000 /
                 std::max<int64_t>(1, parks_per_province[pv]) *
                 ExpPpm(rng.NormalMilli(10000, 3000) * 8 / 10) / 1'000'000));
      n.parks_.push_back(std::move(park));
    }
  }
  std::vector<int64_t> per_park = Apportion(ent_count - park_count, capacity);

  // Class lists per division.
  std::vector<std::vector<std::string>> classes(tables::kDivisionCount);
  std::map<std::string, size_t> division_index;
  std::vector<int64_t> division_weights;
  for (size_t d = 0; d < tables::kDivisionCount; ++d) {
    classes[d] = Split(tables::kDivisions[d].classes, ' ');
    division_index[tables::kDivisions[d].code] = d;
    division_weights.push_back(tables::kDivisions[d].weight);
  }
  auto pick = [&rng](const std::vector<std::string>& v) -> const std::string& {
    return v[static_cast<size_t>(rng.Uniform(0, static_cast<int64_t>(v.size()) - 1))];
  };

  n.enterprises_.reserve(static_cast<size_t>(ent_count));
  uint64_t serial = 0;
  for (size_t p = 0; p < n.parks_.size(); ++p) {
    Park& park = n.parks_[p];
    park.first_enterprise = static_cast<uint32_t>(n.enterprises_.size());
    park.enterprise_count = static_cast<uint32_t>(1 + per_park[p]);
    // The park's specialities: one to three classes of each leading division.
    std::vector<std::vector<std::string>> special;
    for (const std::string& div : park.leading_divisions) {
      const auto& all = classes[division_index[div]];
      std::vector<std::string> mine;
      const int64_t k = std::min<int64_t>(rng.Uniform(1, 3), static_cast<int64_t>(all.size()));
      while (static_cast<int64_t>(mine.size()) < k) {
        const std::string& c = pick(all);
        if (std::find(mine.begin(), mine.end(), c) == mine.end()) mine.push_back(c);
      }
      special.push_back(std::move(mine));
    }
    const std::vector<int64_t> lead_weights = {5, 3, 2, 2, 1};
    const std::vector<int64_t> lw(lead_weights.begin(),
                                  lead_weights.begin() + static_cast<long>(special.size()));
    int64_t firms_area = 0;
    for (uint32_t k = 0; k < park.enterprise_count; ++k) {
      Enterprise e;
      e.park = static_cast<uint32_t>(p);
      e.uscc = MakeUscc(park.county, serial++, rng);
      if (rng.PerMille(800)) {
        const size_t l = rng.Weighted(lw);
        e.industry = rng.PerMille(700)
                         ? pick(special[l])
                         : pick(classes[division_index[park.leading_divisions[l]]]);
      } else {
        e.industry = pick(classes[rng.Weighted(division_weights)]);
      }
      const int64_t z = rng.NormalMilli(10000, 3000);
      e.base_month_fen = std::max<int64_t>(
          kFloorMonthFen, kMedianMonthFen / 1000 * (ExpPpm(z * kSigmaMilli / 1000) / 1000));
      e.trend_milli = park.trend_milli + rng.Uniform(-30, 30);
      e.ytd_basis = rng.PerMille(o.ytd_share_pm);
      e.sales_pm = rng.Uniform(920, 1000);
      e.export_pm = rng.PerMille(550) ? 0 : rng.Uniform(20, 600);
      e.vat_pm = rng.Uniform(15, 40);
      e.cit_pm = rng.Uniform(4, 15);
      e.other_tax_pm = rng.Uniform(2, 6);
      // Ordinary-month output per employee of 60k..160k yuan.
      e.employees = std::clamp<int64_t>(e.base_month_fen / (rng.Uniform(60, 160) * 100'000), 20,
                                        200'000);
      firms_area += rng.Uniform(40, 160);
      n.enterprises_.push_back(std::move(e));
    }
    park.area_mu = std::max<int64_t>(1500, firms_area * 3);
  }

  // Unregistered sellers: enterprises outside every park, in real prefectures.
  const int64_t outside = std::max<int64_t>(50, ent_count / 20);
  for (int64_t i = 0; i < outside; ++i) {
    const tables::Prefecture& pref = tables::kPrefectures[static_cast<size_t>(
        rng.Uniform(0, static_cast<int64_t>(tables::kPrefectureCount) - 1))];
    const std::string county =
        absl::StrFormat("%s%02d", std::string(pref.code).substr(0, 4), rng.Uniform(2, 12));
    n.outside_.push_back(MakeUscc(county, serial++, rng));
  }

  // Suppliers: in the same park, in another park of the prefecture, or outside every park.
  std::map<std::string, std::vector<uint32_t>> parks_of_prefecture;
  for (size_t p = 0; p < n.parks_.size(); ++p) {
    parks_of_prefecture[n.parks_[p].county.substr(0, 4)].push_back(static_cast<uint32_t>(p));
  }
  for (Enterprise& e : n.enterprises_) {
    const Park& own = n.parks_[e.park];
    const std::vector<uint32_t>& near = parks_of_prefecture[own.county.substr(0, 4)];
    const int64_t count = rng.Uniform(1, 3);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t r = rng.Uniform(0, 999);
      Supplier s;
      const Park* from = nullptr;
      if (r < 350 && own.enterprise_count > 1) {
        from = &own;
      } else if (r < 650 && near.size() > 1) {
        const uint32_t q = near[static_cast<size_t>(rng.Uniform(0, static_cast<int64_t>(near.size()) - 1))];
        if (q != e.park) from = &n.parks_[q];
      }
      if (from != nullptr) {
        const Enterprise& seller = n.enterprises_[from->first_enterprise + static_cast<uint32_t>(
            rng.Uniform(0, from->enterprise_count - 1))];
        if (&seller == &e) continue;
        s.uscc = seller.uscc;
        s.park_id = from->id;
        s.county = from->county;
      } else {
        s.uscc = n.outside_[static_cast<size_t>(
            rng.Uniform(0, static_cast<int64_t>(n.outside_.size()) - 1))];
      }
      s.share_pm = rng.Uniform(20, 120);
      const bool dup = std::any_of(e.suppliers.begin(), e.suppliers.end(),
                                   [&](const Supplier& x) { return x.uscc == s.uscc; });
      if (!dup) e.suppliers.push_back(std::move(s));
    }
  }
  return n;
}

pb::Park National::ParkRecord(size_t p) const {
  const Park& park = parks_[p];
  pb::Park r;
  r.set_id(park.id);
  r.set_name(park.name);
  r.set_county_code(park.county);
  r.set_area_mu(park.area_mu);
  r.set_level(park.national_level ? pb::PARK_LEVEL_NATIONAL : pb::PARK_LEVEL_PROVINCIAL);
  for (const std::string& d : park.leading_divisions) r.add_leading_industries(d);
  return r;
}

pb::Enterprise National::EnterpriseRecord(size_t i) const {
  const Enterprise& e = enterprises_[i];
  pb::Enterprise r;
  r.set_uscc(e.uscc);
  r.set_name(absl::StrCat(parks_[e.park].name, "第", i - parks_[e.park].first_enterprise + 1,
                          "号企业"));
  r.set_park_id(parks_[e.park].id);
  r.set_industry(e.industry);
  r.set_above_size(true);
  return r;
}

uint64_t National::Hash(uint64_t tag, size_t e, int year, int w) const {
  uint64_t h = SplitMix64(options_.seed ^ (tag << 56));
  h = SplitMix64(h ^ static_cast<uint64_t>(e));
  return SplitMix64(h ^ (static_cast<uint64_t>(year) << 8 | static_cast<uint64_t>(w)));
}

OutputFigures National::Output(size_t i, int year, int w) const {
  const Enterprise& e = enterprises_[i];
  const uint64_t h = Hash(1, i, year, w);
  // Months from January of first_year to the period's last month.
  const int64_t t = int64_t{year - options_.first_year} * 12 + (w == 0 ? 1 : w + 1);
  const int64_t trend_ppm = ExpPpm(e.trend_milli * t / 12);
  const int64_t noise_pm = 940 + static_cast<int64_t>(h % 121);
  int64_t v = e.base_month_fen / 1000 * (trend_ppm / 1000);
  v = v / 1000 * kSeasonPm[static_cast<size_t>(w)];
  v = v / 1000 * noise_pm;
  OutputFigures f;
  f.gross = std::max(kFenPerThousandYuan, RoundTo(v, kFenPerThousandYuan));
  f.sales = std::min(f.gross, RoundTo(f.gross / 1000 * e.sales_pm, kFenPerThousandYuan));
  f.exports = RoundTo(f.sales / 1000 * e.export_pm, kFenPerThousandYuan);
  f.employees = std::max<int64_t>(1, e.employees * (990 + static_cast<int64_t>((h >> 20) % 21)) / 1000);
  return f;
}

TaxFigures National::Tax(size_t i, int year, int w) const {
  const Enterprise& e = enterprises_[i];
  const int64_t gross = Output(i, year, w).gross;
  TaxFigures t;
  t.vat = RoundTo(gross / 1000 * e.vat_pm, kFenPerYuan);
  t.cit = RoundTo(gross / 1000 * e.cit_pm / 1000 * kCitPm[static_cast<size_t>(w)], kFenPerYuan);
  t.total = t.vat + t.cit + RoundTo(gross / 1000 * e.other_tax_pm, kFenPerYuan);
  t.purchases.reserve(e.suppliers.size());
  for (const Supplier& s : e.suppliers) t.purchases.push_back(RoundTo(gross / 1000 * s.share_pm, kFenPerYuan));
  return t;
}

bool National::Revised(size_t e, bool tax, int year, int w) const {
  return static_cast<int64_t>(Hash(tax ? 3 : 2, e, year, w) % 1000) < options_.revision_pm;
}

bool National::Late(size_t e, bool tax, int year, int w) const {
  return static_cast<int64_t>(Hash(tax ? 5 : 4, e, year, w) % 1000) < options_.late_pm;
}

int64_t National::ReportsInYear(int year) const {
  int64_t n = 0;
  for (size_t e = 0; e < enterprises_.size(); ++e) {
    for (int w = 0; w < kPeriodsPerYear; ++w) n += 2 + Revised(e, false, year, w) + Revised(e, true, year, w);
  }
  return n;
}

namespace {

// A preliminary figure: the final one off by −4 % .. +4 % (never 0 %), same granule.
int64_t Preliminary(int64_t v, uint64_t h, int64_t granule) {
  const int64_t d = static_cast<int64_t>(h % 80);
  const int64_t pm = 1000 + (d < 40 ? d - 40 : d - 39);
  return RoundTo(v / 1000 * pm, granule);
}

}  // namespace

void National::ForEachReport(
    int year,
    absl::FunctionRef<void(const std::string&, const pb::ReportEnvelope&)> sink) const {
  pb::ReportEnvelope env;
  const pb::Period periods[kPeriodsPerYear] = {
      domain::ToProto(PeriodAt(year, 0)), domain::ToProto(PeriodAt(year, 1)),
      domain::ToProto(PeriodAt(year, 2)), domain::ToProto(PeriodAt(year, 3)),
      domain::ToProto(PeriodAt(year, 4)), domain::ToProto(PeriodAt(year, 5)),
      domain::ToProto(PeriodAt(year, 6)), domain::ToProto(PeriodAt(year, 7)),
      domain::ToProto(PeriodAt(year, 8)), domain::ToProto(PeriodAt(year, 9)),
      domain::ToProto(PeriodAt(year, 10))};

  // Fills `env` with enterprise i's report of `kind` for period w at `revision` (1 carries the
  // preliminary figure when the report is revised, 2 the final one).
  auto fill = [&](size_t i, bool tax, int w, int revision) {
    const Enterprise& e = enterprises_[i];
    const Park& park = parks_[e.park];
    const bool prelim = revision == 1 && Revised(i, tax, year, w);
    const uint64_t ph = Hash(tax ? 7 : 6, i, year, w);
    if (!tax) {
      OutputFigures f = Output(i, year, w);
      if (prelim) {
        f.gross = std::max(kFenPerThousandYuan, Preliminary(f.gross, ph, kFenPerThousandYuan));
        f.sales = std::min(f.gross, Preliminary(f.sales, ph, kFenPerThousandYuan));
        f.exports = std::min(f.sales, Preliminary(f.exports, ph, kFenPerThousandYuan));
      }
      if (e.ytd_basis) {  // the final figures of the earlier periods, plus this one's
        for (int q = 0; q < w; ++q) {
          const OutputFigures b = Output(i, year, q);
          f.gross += b.gross;
          f.sales += b.sales;
          f.exports += b.exports;
        }
      }
      pb::OutputReport* r = env.mutable_output();
      r->set_uscc(e.uscc);
      r->set_park_id(park.id);
      r->set_industry(e.industry);
      *r->mutable_period() = periods[w];
      r->set_basis(e.ytd_basis ? pb::VALUE_BASIS_YEAR_TO_DATE : pb::VALUE_BASIS_MONTH);
      r->mutable_gross_output()->set_fen(f.gross);
      r->mutable_sales_output()->set_fen(f.sales);
      r->mutable_export_delivery()->set_fen(f.exports);
      r->set_employees(f.employees);
      r->set_revision(revision);
    } else {
      TaxFigures f = Tax(i, year, w);
      if (prelim) {
        f.vat = Preliminary(f.vat, ph, kFenPerYuan);
        f.cit = Preliminary(f.cit, ph, kFenPerYuan);
        f.total = std::max(f.vat + f.cit, Preliminary(f.total, ph, kFenPerYuan));
        for (int64_t& p : f.purchases) p = Preliminary(p, ph, kFenPerYuan);
      }
      if (e.ytd_basis) {
        for (int q = 0; q < w; ++q) {
          const TaxFigures b = Tax(i, year, q);
          f.total += b.total;
          f.vat += b.vat;
          f.cit += b.cit;
          for (size_t s = 0; s < f.purchases.size(); ++s) f.purchases[s] += b.purchases[s];
        }
      }
      pb::TaxReport* r = env.mutable_tax();
      r->set_uscc(e.uscc);
      r->set_park_id(park.id);
      r->set_industry(e.industry);
      *r->mutable_period() = periods[w];
      r->set_basis(e.ytd_basis ? pb::VALUE_BASIS_YEAR_TO_DATE : pb::VALUE_BASIS_MONTH);
      r->mutable_total_tax()->set_fen(f.total);
      r->mutable_vat()->set_fen(f.vat);
      r->mutable_corporate_income_tax()->set_fen(f.cit);
      r->clear_counterparties();
      for (size_t s = 0; s < e.suppliers.size(); ++s) {
        pb::Counterparty* cp = r->add_counterparties();
        cp->set_uscc(e.suppliers[s].uscc);
        cp->mutable_purchases()->set_fen(f.purchases[s]);
        cp->set_park_id(e.suppliers[s].park_id);
        cp->set_county_code(e.suppliers[s].county);
      }
      r->set_revision(revision);
      r->set_park_county(park.county);
    }
  };

  // One delivery of a park: `what` selects the reports, `revision` their revision.
  auto deliver = [&](size_t p, int w, int64_t received_ms, const char* label, bool late_only,
                     bool revisions_only) {
    const Park& park = parks_[p];
    for (bool tax : {false, true}) {
      const std::string submission =
          absl::StrCat("nat", options_.seed, "-", year, "-", w, "-", park.id, label, tax ? "-t" : "-o");
      int64_t line = 0;
      for (uint32_t k = 0; k < park.enterprise_count; ++k) {
        const size_t i = park.first_enterprise + k;
        const bool late = Late(i, tax, year, w);
        int revision = 1;
        if (revisions_only) {
          if (!Revised(i, tax, year, w)) continue;
          revision = 2;
        } else if (late != late_only) {
          continue;
        }
        env.Clear();
        fill(i, tax, w, revision);
        pb::Provenance* prov = env.mutable_provenance();
        prov->set_source_bureau(absl::StrCat("bureau-", park.county));
        prov->set_submission_id(submission);
        prov->set_received_unix_ms(received_ms);
        prov->set_line(++line);
        sink(park.id, env);
      }
    }
  };

  // Delivery times: a period's reports on the 10th of the following month, its late reports
  // and revisions a month later; one second per park apart.
  auto time_of = [&](int w, int months_after) {
    const int last_month = w == 0 ? 2 : w + 2;
    const absl::CivilSecond t(year, last_month + months_after, 10, 8, 0, 0);  // normalised
    return absl::ToUnixMillis(absl::FromCivil(t, absl::UTCTimeZone()));
  };
  for (int w = 0; w <= kPeriodsPerYear; ++w) {
    if (w < kPeriodsPerYear) {
      const int64_t t = time_of(w, 1);
      for (size_t p = 0; p < parks_.size(); ++p) {
        deliver(p, w, t + static_cast<int64_t>(p) * 1000, "", false, false);
      }
    }
    if (w >= 1) {
      const int64_t t = time_of(w - 1, 2) + 3'600'000;
      for (size_t p = 0; p < parks_.size(); ++p) {
        deliver(p, w - 1, t + static_cast<int64_t>(p) * 1000, "-late", true, false);
        deliver(p, w - 1, t + static_cast<int64_t>(p) * 1000 + 500, "-rev", false, true);
      }
    }
  }
}

std::vector<ExpectedTotals> ExpectedYear(const National& n, int year) {
  std::vector<ExpectedTotals> out;
  for (const Park& park : n.parks()) {
    int64_t ytd_gross = 0, ytd_tax = 0;
    for (int w = 0; w < kPeriodsPerYear; ++w) {
      ExpectedTotals t;
      t.park_id = park.id;
      t.period_key = PeriodAt(year, w).Key();
      for (uint32_t k = 0; k < park.enterprise_count; ++k) {
        t.month_gross += n.Output(park.first_enterprise + k, year, w).gross;
        t.month_tax += n.Tax(park.first_enterprise + k, year, w).total;
      }
      ytd_gross += t.month_gross;
      ytd_tax += t.month_tax;
      t.ytd_gross = ytd_gross;
      t.ytd_tax = ytd_tax;
      t.output_reporters = park.enterprise_count;
      t.tax_reporters = park.enterprise_count;
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace cw::national
