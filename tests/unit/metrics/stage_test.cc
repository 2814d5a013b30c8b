#include "common/metrics/stage.h"

#include <string>
#include <vector>

#include "common/metrics/firms.h"
#include "common/metrics/linkage.h"
#include "common/metrics/specialisation.h"
#include "gtest/gtest.h"

namespace cw::metrics {
namespace {

// Hundredths of 亿元 in fen.
constexpr int64_t Yi(int64_t hundredths) { return hundredths * (kFenPerYi / 100); }

StageInput Input(double lq, int64_t output, int64_t enterprises, double in_region,
                 int64_t leader) {
  StageInput in;
  in.park_id = "P321023A";
  in.industry = "3051";
  in.output_fen = output;
  in.enterprises = enterprises;
  in.lq = lq;
  in.in_park_share = in_region / 2;
  in.in_region_share = in_region;
  in.leader_output_fen = leader;
  return in;
}

StageResult Classify(const StageInput& in, const StageThresholds& t = StageThresholds{}) {
  absl::StatusOr<StageResult> r = ClassifyStage(in, t);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.value_or(StageResult{});
}

// Stages are ordered along the path; names in Chinese and English.
TEST(StageTest, OrderAndNames) {
  EXPECT_LT(Stage::kNone, Stage::kConcentration);
  EXPECT_LT(Stage::kConcentration, Stage::kAgglomeration);
  EXPECT_LT(Stage::kAgglomeration, Stage::kCluster);
  EXPECT_EQ(StageNameZh(Stage::kCluster), "集群");
  EXPECT_EQ(StageNameZh(Stage::kAgglomeration), "集聚");
  EXPECT_EQ(StageNameZh(Stage::kConcentration), "集中");
  EXPECT_EQ(StageNameEn(Stage::kAgglomeration), "agglomeration");
}

// No output: no stage, and no criteria.
TEST(StageTest, NoOutputIsNone) {
  const StageResult r = Classify(Input(0, 0, 0, 0, 0));
  EXPECT_EQ(r.stage, Stage::kNone);
  EXPECT_TRUE(r.criteria.empty());
  EXPECT_EQ(r.explanation_zh, "无：该产业在本园区无产值。");
  EXPECT_EQ(r.explanation_en, "none: the industry has no output in the park.");
}

// Output without specialisation or size is concentration; the failed tests are stated.
TEST(StageTest, Concentration) {
  const StageResult r = Classify(Input(0.8, Yi(500), 3, 0.5, Yi(200)));
  EXPECT_EQ(r.stage, Stage::kConcentration);
  ASSERT_EQ(r.criteria.size(), 5u);
  EXPECT_EQ(r.criteria[0].key, "lq");
  EXPECT_FALSE(r.criteria[0].passed);
  EXPECT_EQ(r.explanation_zh,
            "集中：有产值（年化产值 5.00亿元，企业 3家），仅为空间集中；未达集聚：区位商 0.80 "
            "< 1.20，年化产值 5.00亿元 < 10.00亿元，企业 3家 < 5家。");
  EXPECT_EQ(r.explanation_en,
            "concentration: output (annualised CNY 500.00 m, 3 enterprises), co-location "
            "only; not agglomeration: LQ 0.80 < 1.20, annualised output CNY 500.00 m < CNY "
            "1.00 bn, enterprises 3 < 5.");
}

// Specialised and sizeable but weakly linked: agglomeration, saying what is missing.
TEST(StageTest, Agglomeration) {
  const StageResult r = Classify(Input(1.85, Yi(3520), 12, 0.12, Yi(300)));
  EXPECT_EQ(r.stage, Stage::kAgglomeration);
  EXPECT_EQ(r.annual_output_fen, Yi(3520));
  EXPECT_DOUBLE_EQ(*r.linkage_share, 0.12);
  EXPECT_EQ(r.explanation_zh,
            "集聚：区位商 1.85 ≥ 1.20，年化产值 35.20亿元 ≥ 10.00亿元，企业 12家 ≥ "
            "5家；未达集群：本地区配套采购占比 12.0% < 20.0%。");
  EXPECT_EQ(r.explanation_en,
            "agglomeration: LQ 1.85 ≥ 1.20, annualised output CNY 3.52 bn ≥ CNY 1.00 bn, "
            "enterprises 12 ≥ 5; not a cluster: in-region purchase share 12.0% < 20.0%.");
}

// Specialised, sizeable, linked and led: a cluster, with every figure and threshold.
TEST(StageTest, Cluster) {
  const StageResult r = Classify(Input(1.85, Yi(3520), 12, 0.25, Yi(300)));
  EXPECT_EQ(r.stage, Stage::kCluster);
  for (const Criterion& c : r.criteria) EXPECT_TRUE(c.passed) << c.key;
  EXPECT_EQ(r.thresholds, StageThresholds{});
  EXPECT_EQ(r.explanation_zh,
            "集群：区位商 1.85 ≥ 1.20，年化产值 35.20亿元 ≥ 10.00亿元，企业 12家 ≥ "
            "5家，本地区配套采购占比 25.0% ≥ 20.0%，龙头企业年化产值 3.00亿元 ≥ 1.00亿元。");
  EXPECT_EQ(r.explanation_en,
            "cluster: LQ 1.85 ≥ 1.20, annualised output CNY 3.52 bn ≥ CNY 1.00 bn, "
            "enterprises 12 ≥ 5, in-region purchase share 25.0% ≥ 20.0%, largest "
            "enterprise's annualised output CNY 300.00 m ≥ CNY 100.00 m.");
}

// Every threshold is inclusive.
TEST(StageTest, ThresholdsInclusive) {
  EXPECT_EQ(Classify(Input(1.2, Yi(1000), 5, 0.2, Yi(100))).stage, Stage::kCluster);
  EXPECT_EQ(Classify(Input(1.2, Yi(1000), 5, 0.2, Yi(100) - 1)).stage, Stage::kAgglomeration);
  EXPECT_EQ(Classify(Input(1.2, Yi(1000) - 1, 5, 0.2, Yi(100))).stage, Stage::kConcentration);
}

// Six months of 6亿 is 12亿 a year, above the 10亿 annual threshold.
TEST(StageTest, AnnualisesYearToDate) {
  StageInput in = Input(1.5, Yi(600), 6, 0.3, Yi(60));
  in.months_covered = 6;
  const StageResult r = Classify(in);
  EXPECT_EQ(r.annual_output_fen, Yi(1200));
  EXPECT_EQ(r.annual_leader_fen, Yi(120));
  EXPECT_EQ(r.stage, Stage::kCluster);
  in.months_covered = 12;
  EXPECT_EQ(Classify(in).stage, Stage::kConcentration);
}

// The park linkage scope uses the in-park share.
TEST(StageTest, ParkLinkageScope) {
  StageThresholds t;
  t.linkage_scope = LinkageScope::kPark;
  const StageResult r = Classify(Input(1.85, Yi(3520), 12, 0.25, Yi(300)), t);  // in park 12.5%
  EXPECT_EQ(r.stage, Stage::kAgglomeration);
  EXPECT_EQ(r.criteria[3].zh, "园区内配套采购占比 12.5% < 20.0%");
  EXPECT_EQ(r.criteria[3].en, "in-park purchase share 12.5% < 20.0%");
}

// An undefined LQ or linkage fails its test, saying so.
TEST(StageTest, UndefinedFigures) {
  StageInput in = Input(0, Yi(3520), 12, 0.25, Yi(300));
  in.lq.reset();
  const StageResult no_lq = Classify(in);
  EXPECT_EQ(no_lq.stage, Stage::kConcentration);
  EXPECT_EQ(no_lq.criteria[0].zh, "区位商无法计算（需 ≥ 1.20）");
  EXPECT_EQ(no_lq.criteria[0].en, "LQ not defined (needs ≥ 1.20)");
  in.lq = 2.0;
  in.in_region_share.reset();
  const StageResult no_link = Classify(in);
  EXPECT_EQ(no_link.stage, Stage::kAgglomeration);
  EXPECT_EQ(no_link.criteria[3].zh, "本地区配套采购占比无数据（需 ≥ 20.0%）");
  EXPECT_EQ(no_link.criteria[3].en, "in-region purchase share not known (needs ≥ 20.0%)");
}

// Months outside 1..12, negative figures and a leader above the industry are refused.
TEST(StageTest, InvalidInput) {
  StageInput in = Input(1.5, Yi(600), 6, 0.3, Yi(60));
  in.months_covered = 0;
  EXPECT_EQ(ClassifyStage(in, StageThresholds{}).status().message(),
            "park P321023A industry 3051: months covered 0 is outside 1..12");
  in.months_covered = 12;
  in.leader_output_fen = Yi(700);
  EXPECT_EQ(ClassifyStage(in, StageThresholds{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  in.leader_output_fen = 0;
  in.enterprises = -1;
  EXPECT_EQ(ClassifyStage(in, StageThresholds{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The stage composed from the other metrics: firms give size, count and leader; cells the
// LQ; tax counterparties the linkage.
TEST(StageTest, ComposedFromMetrics) {
  const std::vector<FirmValue> firms = {{"G1", "", Yi(300)}, {"G2", "", Yi(250)},
                                        {"G3", "", Yi(200)}, {"G4", "", Yi(200)},
                                        {"G5", "", Yi(150)}, {"G6", "", Yi(100)}};
  const absl::StatusOr<FirmConcentration> fc = ComputeFirmConcentration(firms, FirmConfig{});
  ASSERT_TRUE(fc.ok());
  const absl::StatusOr<std::vector<LqRow>> lq = LocationQuotients(
      {{"P", "321023", "3051", fc->total_fen, 0, 6},
       {"P", "321023", "3830", Yi(1200), 0, 4},
       {"Q", "321282", "3731", Yi(6000), 0, 20}},
      ReferenceScope::kSystem);
  ASSERT_TRUE(lq.ok());
  const EnterpriseDirectory dir = {{"G1", {"P", "321023", "3051"}},
                                   {"G2", {"P", "321023", "3051"}},
                                   {"S", {"Q", "321282", "3731"}}};
  const Linkage link = ComputeLinkage({{"G1", "G2", 30}, {"G2", "S", 70}}, dir, "P", "321023",
                                      "3051");
  StageInput in;
  in.park_id = "P";
  in.industry = "3051";
  in.output_fen = fc->total_fen;
  in.enterprises = fc->firms_with_output;
  in.lq = (*lq)[0].lq_output;  // (12 / 24) / (12 / 84) = 3.5
  in.in_park_share = link.in_park_share;
  in.in_region_share = link.in_region_share;  // 30%: 321282 is another prefecture
  in.leader_output_fen = fc->leading[0].value_fen;
  const StageResult r = Classify(in);
  EXPECT_DOUBLE_EQ(*in.lq, 3.5);
  EXPECT_DOUBLE_EQ(*r.linkage_share, 0.3);
  EXPECT_EQ(r.stage, Stage::kCluster);
}

}  // namespace
}  // namespace cw::metrics
