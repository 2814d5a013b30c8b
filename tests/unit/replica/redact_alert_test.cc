// Alert figures for aggregate-only callers are judged against every period they name and the
// year before each (a year-on-year explanation quotes the comparison value).
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"
#include "replica/keys.h"
#include "replica/redact.h"

namespace cw::replica {
namespace {
namespace pb = clusterwatch::v1;

class RedactAlertTest : public ::testing::Test {
 protected:
  // P1 × 3041 with `firms` equal enterprises in May of `year` (1: withheld by the threshold
  // rule), beside P1 × 3311 and P2 × 3041/3311 with four each, so complements exist; with
  // `p3`, park P3 with that many enterprises in 3041 alone.
  void Put(int year, int firms_3041, int p3 = 0) {
    auto snapshot = [&](const std::string& park, int n3041, int n3311 = 4) {
      pb::ParkSnapshot s;
      s.set_park_id(park);
      s.mutable_period()->set_year(year);
      s.mutable_period()->set_month(5);
      int k = 0;
      for (const auto& [industry, n] :
           {std::pair<std::string, int>{"3041", n3041}, {"3311", n3311}}) {
        for (int i = 0; i < n; ++i) {
          auto* f = s.add_firms();
          f->set_uscc(park + industry + std::to_string(k++));
          f->set_industry(industry);
          f->mutable_gross_output_ytd()->set_fen(1'000'000 + 1000 * i);
        }
      }
      store::Batch batch;
      batch.Put(keys::Snapshot(park, absl::StrCat(year, "-05")), s.SerializeAsString());
      ASSERT_TRUE(store_.Write(batch).ok());
    };
    snapshot("P1", firms_3041);
    snapshot("P2", 4);
    if (p3 > 0) snapshot("P3", p3, 0);
  }

  static pb::AlertEvent CellAlert() {
    pb::AlertEvent e;
    e.set_id("output_decline|park_industry:P1|3041|2024-05");
    e.set_kind("decline_yoy");
    e.set_subject_kind("park_industry");
    e.set_subject_id("P1|3041");
    e.set_park_id("P1");
    e.mutable_period()->set_year(2024);
    e.mutable_period()->set_month(5);
    auto* f = e.add_figures();
    f->set_label("output_month_yoy");
    f->set_period("2024-05");
    f->set_value(-0.2);
    e.set_explanation_en("output fell 20% (CNY 4.0 m; a year earlier CNY 5.0 m)");
    return e;
  }

  store::MemoryStore store_;
  Redactor redactor_{store_};
};

TEST_F(RedactAlertTest, FiguresNameThePeriodAndTheYearBefore) {
  EXPECT_EQ(AlertFiguresPeriodKeys(CellAlert()), (std::vector<std::string>{"2023-05", "2024-05"}));
  pb::AlertEvent bare = CellAlert();
  bare.clear_figures();
  EXPECT_EQ(AlertFiguresPeriodKeys(bare), (std::vector<std::string>{"2024-05"}));
}

TEST_F(RedactAlertTest, KeptWhenTheCellIsPublishedInBothYears) {
  Put(2023, 4);
  Put(2024, 4);
  pb::AlertEvent e = CellAlert();
  auto withheld = RedactAlertAt(redactor_, 1, &e);
  ASSERT_TRUE(withheld.ok()) << withheld.status();
  EXPECT_EQ(*withheld, 0);
  EXPECT_EQ(e.figures_size(), 1);
}

// Published this May, withheld a year earlier: the explanation quotes last May's value, so
// the figures go.
TEST_F(RedactAlertTest, WithheldWhenTheComparisonYearWithheldTheCell) {
  Put(2023, 1);
  Put(2024, 4);
  pb::AlertEvent e = CellAlert();
  auto withheld = RedactAlertAt(redactor_, 1, &e);
  ASSERT_TRUE(withheld.ok()) << withheld.status();
  EXPECT_EQ(*withheld, 1);
  EXPECT_EQ(e.figures_size(), 0);
  EXPECT_EQ(e.explanation_en(), "confidential (Statistics Law): the alert's figures are withheld");
}

TEST_F(RedactAlertTest, StoreFaultIsAnError) {
  Put(2023, 4);
  Put(2024, 4);
  store_.SetReadFaultForTest(absl::UnavailableError("disk gone"), 0);
  pb::AlertEvent e = CellAlert();
  EXPECT_EQ(RedactAlertAt(redactor_, 1, &e).status().code(), absl::StatusCode::kUnavailable);
}

// A park withheld a year earlier (one enterprise) and published now (four): its
// year-on-year rates would give last year's total, so they are withheld with it; its level
// figures are not.
TEST_F(RedactAlertTest, RatesAgainstAWithheldYearAreWithheld) {
  Put(2023, 4, 1);
  Put(2024, 4, 4);
  auto p = redactor_.ForPeriod("2024-05", 1);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE((*p)->ParkConfidential("P3"));
  // P3 alone (one enterprise) and P1 as its complement (P3's row total is its one cell).
  EXPECT_EQ((*p)->parks_withheld_year_before, (std::set<std::string>{"P1", "P3"}));
  EXPECT_TRUE(MetricWithheld(**p, "P3", "output_ytd_yoy"));
  EXPECT_TRUE(MetricWithheld(**p, "P3", "tax_ytd_yoy"));
  EXPECT_FALSE(MetricWithheld(**p, "P3", "output_ytd"));
  EXPECT_FALSE(MetricWithheld(**p, "P2", "output_ytd_yoy"));
  pb::ParkMetrics m;
  m.mutable_snapshot()->set_park_id("P3");
  m.set_output_ytd_yoy(0.5);
  m.set_output_yoy(0.4);
  m.set_tax_ytd_yoy(0.3);
  m.set_output_mom(0.1);
  redactor_.Metrics(**p, &m);
  EXPECT_FALSE(m.has_output_ytd_yoy());
  EXPECT_FALSE(m.has_output_yoy());
  EXPECT_FALSE(m.has_tax_ytd_yoy());
  // The store's period before 2024-05 is 2023-05, where P3 was withheld: no month-on-month.
  EXPECT_FALSE(m.has_output_mom());
  EXPECT_EQ((*p)->parks_withheld_period_before, (std::set<std::string>{"P1", "P3"}));
}

}  // namespace
}  // namespace cw::replica
