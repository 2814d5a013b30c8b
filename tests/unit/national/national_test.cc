// Tests of the synthetic national workload (bench/national/national.h): determinism, shape,
// code validity (as ingest validates), size distribution, seasonality, trends, and that the
// reports, with revisions applied and derived, give exactly the expected totals.
#include "bench/national/national.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/domain/codes.h"
#include "common/domain/derive.h"
#include "common/domain/registry.h"
#include "common/domain/totals.h"
#include "common/domain/validate.h"
#include "gtest/gtest.h"

namespace cw::national {
namespace {

namespace pb = clusterwatch::v1;

Options Small(uint64_t seed = 7) {
  Options o;
  o.seed = seed;
  o.scale_ppm = 4'000;  // 10 parks, 1,932 enterprises
  o.revision_pm = 50;
  o.late_pm = 50;
  return o;
}

National BuildOrDie(const Options& o) {
  auto n = National::Build(o);
  EXPECT_TRUE(n.ok()) << n.status();
  return *std::move(n);
}

// FNV-1a over every envelope's key and bytes, in delivery order.
uint64_t HashYear(const National& n, int year, int64_t* count = nullptr) {
  uint64_t h = 1469598103934665603ULL;
  int64_t c = 0;
  n.ForEachReport(year, [&](const std::string& key, const pb::ReportEnvelope& env) {
    const std::string bytes = key + "\x1f" + env.SerializeAsString();
    for (unsigned char ch : bytes) h = (h ^ ch) * 1099511628211ULL;
    ++c;
  });
  if (count != nullptr) *count = c;
  return h;
}

// The same seed gives the same envelopes byte for byte; another seed does not.
TEST(NationalTest, DeterministicBySeed) {
  const National a = BuildOrDie(Small(7));
  const National b = BuildOrDie(Small(7));
  const National c = BuildOrDie(Small(8));
  EXPECT_EQ(HashYear(a, 2024), HashYear(b, 2024));
  EXPECT_NE(HashYear(a, 2024), HashYear(c, 2024));
  EXPECT_NE(HashYear(a, 2024), HashYear(a, 2025));
}

// The defaults are the national counts; the scale divides both.
TEST(NationalTest, NationalCountsAndScale) {
  const National full = BuildOrDie(Options{});
  EXPECT_EQ(full.parks().size(), 2543u);
  EXPECT_EQ(full.enterprises().size(), 483000u);
  std::set<std::string> ids, usccs;
  for (const Park& p : full.parks()) ids.insert(p.id);
  for (const Enterprise& e : full.enterprises()) usccs.insert(e.uscc);
  EXPECT_EQ(ids.size(), 2543u);
  EXPECT_EQ(usccs.size(), 483000u);
  std::set<std::string> provinces;
  for (const Park& p : full.parks()) provinces.insert(p.county.substr(0, 2));
  EXPECT_EQ(provinces.size(), 31u);  // every province-level division with development zones

  Options quarter;
  quarter.scale_ppm = 250'000;
  const National q = BuildOrDie(quarter);
  EXPECT_EQ(q.parks().size(), 635u);
  EXPECT_EQ(q.enterprises().size(), 120750u);
}

TEST(NationalTest, ParseScale) {
  EXPECT_EQ(*ParseScalePpm("1"), 1'000'000);
  EXPECT_EQ(*ParseScalePpm("0.25"), 250'000);
  EXPECT_EQ(*ParseScalePpm("2.5"), 2'500'000);
  EXPECT_EQ(*ParseScalePpm("0.000001"), 1);
  EXPECT_EQ(ParseScalePpm("0").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseScalePpm("-1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseScalePpm("1e3").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseScalePpm("0.1234567").status().code(), absl::StatusCode::kInvalidArgument);
}

// A year holds enterprises × 11 periods × 2 kinds plus the revisions; January–February is
// one combined period and there is no January report; late reports and revisions come after
// the next period's reports.
TEST(NationalTest, ShapeOfAYear) {
  const National n = BuildOrDie(Small());
  const int64_t e = static_cast<int64_t>(n.enterprises().size());
  int64_t count = 0, revisions = 0, late_seen = 0;
  std::map<std::string, int> periods;
  int max_period_index = -1;
  n.ForEachReport(2024, [&](const std::string& key, const pb::ReportEnvelope& env) {
    ++count;
    const bool out = env.has_output();
    const pb::Period& p = out ? env.output().period() : env.tax().period();
    EXPECT_NE(p.month(), 1);
    EXPECT_EQ(p.jan_feb(), p.month() == 2);
    EXPECT_EQ(key, out ? env.output().park_id() : env.tax().park_id());
    periods[domain::FromProto(p).Key()]++;
    const int w = p.jan_feb() ? 0 : p.month() - 2;
    if ((out ? env.output().revision() : env.tax().revision()) == 2) ++revisions;
    if (w < max_period_index) ++late_seen;  // delivered after a later period's reports
    max_period_index = std::max(max_period_index, w);
  });
  EXPECT_EQ(count, e * 11 * 2 + revisions);
  EXPECT_EQ(count, n.ReportsInYear(2024));
  EXPECT_EQ(periods.size(), 11u);
  EXPECT_TRUE(periods.contains("2024-01/02"));
  EXPECT_FALSE(periods.contains("2024-01"));
  // 5 % revised and 5 % late (Small()): around 2,100 of each among 42,504 reports.
  EXPECT_GT(revisions, e * 22 * 35 / 1000);
  EXPECT_LT(revisions, e * 22 * 65 / 1000);
  EXPECT_GT(late_seen, e * 22 * 35 / 1000);
}

// Every code is valid, every USCC carries its park's county, and every report passes
// ingest's validation against the generated registry.
TEST(NationalTest, CodesAndReportsPassIngestValidation) {
  const National n = BuildOrDie(Small());
  domain::MemoryRegistry registry;
  for (size_t p = 0; p < n.parks().size(); ++p) {
    pb::RegistryRecord r;
    *r.mutable_park() = n.ParkRecord(p);
    EXPECT_FALSE(domain::ValidateRegistryRecord(r, domain::MemoryRegistry::Reader(registry)).has_value()) << r.DebugString();
    registry.Apply(r);
    EXPECT_TRUE(domain::ValidateRegionCode(n.parks()[p].county).ok());
    EXPECT_FALSE(domain::RegionName(n.parks()[p].county.substr(0, 2) + "0000").empty());
    EXPECT_GE(n.parks()[p].leading_divisions.size(), 2u);
    EXPECT_LE(n.parks()[p].leading_divisions.size(), 5u);
  }
  for (size_t i = 0; i < n.enterprises().size(); ++i) {
    const Enterprise& e = n.enterprises()[i];
    EXPECT_TRUE(domain::ValidateUscc(e.uscc).ok()) << e.uscc;
    EXPECT_EQ(domain::UsccRegion(e.uscc), n.parks()[e.park].county);
    EXPECT_TRUE(domain::ValidateIndustryClass(e.industry).ok()) << e.industry;
    const int division = std::stoi(e.industry.substr(0, 2));
    EXPECT_GE(division, 13);  // section C, manufacturing
    EXPECT_LE(division, 43);
    pb::RegistryRecord r;
    *r.mutable_enterprise() = n.EnterpriseRecord(i);
    EXPECT_FALSE(domain::ValidateRegistryRecord(r, domain::MemoryRegistry::Reader(registry)).has_value());
    registry.Apply(r);
  }
  for (const std::string& u : n.outside_sellers()) EXPECT_TRUE(domain::ValidateUscc(u).ok());
  int64_t bad = 0, annotated = 0, annotated_ok = 0;
  n.ForEachReport(2024, [&](const std::string&, const pb::ReportEnvelope& env) {
    pb::ReportEnvelope copy = env;
    std::optional<domain::Violation> v;
    if (copy.has_output()) {
      v = domain::ValidateOutput(*copy.mutable_output(), domain::MemoryRegistry::Reader(registry));
    } else {
      v = domain::ValidateTax(*copy.mutable_tax(), domain::MemoryRegistry::Reader(registry));
      // The generator annotates as ingest does: same park county and counterparties.
      pb::TaxReport ingest = env.tax();
      ingest.clear_park_county();
      for (auto& cp : *ingest.mutable_counterparties()) {
        cp.clear_park_id();
        cp.clear_county_code();
      }
      domain::AnnotateTax(ingest, domain::MemoryRegistry::Reader(registry));
      ++annotated;
      annotated_ok += ingest.SerializeAsString() == env.tax().SerializeAsString();
    }
    if (v.has_value() && bad++ < 5) ADD_FAILURE() << v->field << ": " << v->reason;
  });
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(annotated_ok, annotated);
}

// Firm sizes are log-normal: mean / median ≈ exp(σ²/2) (σ = 1.1: 1.83, less the tail clip),
// and about 68 % of the firms lie within one σ of the median in log terms.
TEST(NationalTest, SizesAreLogNormal) {
  Options o;
  o.scale_ppm = 100'000;  // 48,300 enterprises
  const National n = BuildOrDie(o);
  std::vector<int64_t> sizes;
  for (const Enterprise& e : n.enterprises()) sizes.push_back(e.base_month_fen);
  std::sort(sizes.begin(), sizes.end());
  const double median = static_cast<double>(sizes[sizes.size() / 2]);
  double sum = 0;
  for (int64_t s : sizes) sum += static_cast<double>(s);
  const double ratio = sum / static_cast<double>(sizes.size()) / median;
  EXPECT_GT(ratio, 1.55);
  EXPECT_LT(ratio, 2.1);
  EXPECT_NEAR(median, 1e9, 0.1e9);  // 10 M yuan
  const double lo = median / 3.004, hi = median * 3.004;  // e^±1.1
  const auto within = std::count_if(sizes.begin(), sizes.end(), [&](int64_t s) {
    return static_cast<double>(s) >= lo && static_cast<double>(s) <= hi;
  });
  EXPECT_NEAR(static_cast<double>(within) / static_cast<double>(sizes.size()), 0.68, 0.04);
}

// Parks are specialised: most firms of a park are in its leading divisions.
TEST(NationalTest, ParksAreSpecialised) {
  Options o;
  o.scale_ppm = 100'000;
  const National n = BuildOrDie(o);
  int64_t in_leading = 0, total = 0;
  for (const Park& p : n.parks()) {
    for (uint32_t k = 0; k < p.enterprise_count; ++k) {
      const std::string div = n.enterprises()[p.first_enterprise + k].industry.substr(0, 2);
      in_leading += std::count(p.leading_divisions.begin(), p.leading_divisions.end(), div) > 0;
      ++total;
    }
  }
  EXPECT_GT(static_cast<double>(in_leading) / static_cast<double>(total), 0.8);
}

// January–February is about 1.7 ordinary months; parks grow or decline year on year.
TEST(NationalTest, SeasonalityAndTrends) {
  const National n = BuildOrDie(Small());
  const std::vector<ExpectedTotals> y1 = ExpectedYear(n, 2024);
  const std::vector<ExpectedTotals> y2 = ExpectedYear(n, 2025);
  int64_t janfeb = 0, march = 0;
  int growing = 0, declining = 0;
  for (size_t i = 0; i < y1.size(); ++i) {
    if (i % 11 == 0) janfeb += y1[i].month_gross;
    if (i % 11 == 1) march += y1[i].month_gross;
    if (i % 11 == 10) {
      if (y2[i].ytd_gross > y1[i].ytd_gross * 103 / 100) ++growing;
      if (y2[i].ytd_gross < y1[i].ytd_gross * 97 / 100) ++declining;
    }
  }
  EXPECT_GT(janfeb, march * 14 / 10);
  EXPECT_LT(janfeb, march * 20 / 10);
  EXPECT_GT(growing, 0);
  EXPECT_GT(declining, 0);
}

// The reports, with the latest revision winning and derived month by month
// (domain::DeriveYear), give exactly the expected totals of every park-period: the
// year-to-date reporters, preliminary figures and late deliveries all end on the final ones.
TEST(NationalTest, ReportsDeriveToExpectedTotals) {
  const National n = BuildOrDie(Small());
  // (uscc, kind) -> period key -> (revision, values)
  std::map<std::pair<std::string, char>, std::map<std::string, std::pair<int, domain::PeriodValues>>>
      latest;
  std::map<std::string, std::string> park_of;
  n.ForEachReport(2024, [&](const std::string& key, const pb::ReportEnvelope& env) {
    const bool out = env.has_output();
    domain::PeriodValues v;
    v.period = domain::FromProto(out ? env.output().period() : env.tax().period());
    v.ytd_basis = (out ? env.output().basis() : env.tax().basis()) == pb::VALUE_BASIS_YEAR_TO_DATE;
    v.flows[0] = out ? env.output().gross_output().fen() : env.tax().total_tax().fen();
    const int rev = out ? env.output().revision() : env.tax().revision();
    const std::string& uscc = out ? env.output().uscc() : env.tax().uscc();
    park_of[uscc] = key;
    auto& slot = latest[{uscc, out ? 'o' : 't'}][v.period.Key()];
    if (rev >= slot.first) slot = {rev, v};
  });
  std::map<std::string, std::pair<int64_t, int64_t>> sums;  // park|period -> (gross, tax)
  std::map<std::string, std::pair<int64_t, int64_t>> ytd;
  for (const auto& [who, by_period] : latest) {
    std::vector<domain::PeriodValues> reported;
    for (const auto& [k, rv] : by_period) reported.push_back(rv.second);
    EXPECT_EQ(reported.size(), 11u);
    for (const domain::DerivedValues& d : domain::DeriveYear(reported)) {
      const std::string key = park_of[who.first] + "|" + d.period.Key();
      (who.second == 'o' ? sums[key].first : sums[key].second) += d.month[0];
      (who.second == 'o' ? ytd[key].first : ytd[key].second) += d.ytd[0];
    }
  }
  const std::vector<ExpectedTotals> expected = ExpectedYear(n, 2024);
  EXPECT_EQ(expected.size(), n.parks().size() * 11);
  EXPECT_EQ(sums.size(), expected.size());
  for (const ExpectedTotals& t : expected) {
    const std::string key = t.park_id + "|" + t.period_key;
    EXPECT_EQ(sums[key].first, t.month_gross) << key;
    EXPECT_EQ(sums[key].second, t.month_tax) << key;
    EXPECT_EQ(ytd[key].first, t.ytd_gross) << key;
    EXPECT_EQ(ytd[key].second, t.ytd_tax) << key;
  }
}

// Some revisions really change a figure (the preliminary differs from the final one).
TEST(NationalTest, RevisionsChangeFigures) {
  const National n = BuildOrDie(Small());
  std::map<std::tuple<std::string, char, std::string>, int64_t> first;
  int64_t changed = 0, revisions = 0;
  n.ForEachReport(2024, [&](const std::string&, const pb::ReportEnvelope& env) {
    const bool out = env.has_output();
    const auto k = std::make_tuple(out ? env.output().uscc() : env.tax().uscc(), out ? 'o' : 't',
                                   domain::FromProto(out ? env.output().period()
                                                         : env.tax().period()).Key());
    const int64_t v = out ? env.output().gross_output().fen() : env.tax().total_tax().fen();
    if ((out ? env.output().revision() : env.tax().revision()) == 1) {
      first[k] = v;
    } else {
      ASSERT_TRUE(first.contains(k)) << "revision 2 before revision 1";
      ++revisions;
      changed += first[k] != v;
    }
  });
  EXPECT_GT(revisions, 0);
  EXPECT_GT(changed, revisions / 2);
}

}  // namespace
}  // namespace cw::national
