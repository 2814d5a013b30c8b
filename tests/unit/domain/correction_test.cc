// Tests of registry corrections as domain rules: which periods a correction names, how
// corrections combine, their validation (alone and against the registry) and their CSV form.
#include "common/domain/correction.h"

#include <string>

#include "common/domain/registry.h"
#include "common/domain/report_csv.h"
#include "common/domain/validate.h"
#include "gtest/gtest.h"

namespace cw::domain {
namespace {
namespace pb = clusterwatch::v1;

constexpr char kUscc[] = "91110000600037341L";

pb::EnterpriseCorrection Correction(const std::string& park, const std::string& industry,
                                    int from_year, int from_month, int to_year = 0,
                                    int to_month = 0) {
  pb::EnterpriseCorrection c;
  c.set_uscc(kUscc);
  c.set_park_id(park);
  c.set_industry(industry);
  c.mutable_corrects_from()->set_year(from_year);
  c.mutable_corrects_from()->set_month(from_month);
  if (to_year != 0) {
    c.mutable_corrects_to()->set_year(to_year);
    c.mutable_corrects_to()->set_month(to_month);
  }
  return c;
}

Period P(std::string_view key) { return ParsePeriod(key).value(); }

TEST(CorrectionTest, CoversItsRangeInPeriodKeyOrder) {
  const auto c = Correction("P2", "", 2024, 1, 2024, 3);
  EXPECT_FALSE(CorrectionCovers(c, P("2023-12")));
  EXPECT_TRUE(CorrectionCovers(c, P("2024-01")));
  EXPECT_TRUE(CorrectionCovers(c, P("2024-01/02")));
  EXPECT_TRUE(CorrectionCovers(c, P("2024-03")));
  EXPECT_FALSE(CorrectionCovers(c, P("2024-04")));
  // Up to January only: January–February sorts after January.
  EXPECT_FALSE(CorrectionCovers(Correction("P2", "", 2024, 1, 2024, 1), P("2024-01/02")));
  // Open-ended: every later period, in later years too.
  const auto open = Correction("P2", "", 2024, 6);
  EXPECT_FALSE(CorrectionCovers(open, P("2024-05")));
  EXPECT_TRUE(CorrectionCovers(open, P("2031-02")));
  EXPECT_TRUE(CorrectionTouchesYear(open, 2031));
  EXPECT_FALSE(CorrectionTouchesYear(open, 2023));
  EXPECT_TRUE(CorrectionTouchesYear(c, 2024));
  EXPECT_FALSE(CorrectionTouchesYear(c, 2025));
}

TEST(CorrectionTest, LastNamingCorrectionWinsFieldByField) {
  google::protobuf::RepeatedPtrField<pb::EnterpriseCorrection> cs;
  *cs.Add() = Correction("P2", "3051", 2024, 1);
  *cs.Add() = Correction("", "2710", 2024, 3, 2024, 3);
  *cs.Add() = Correction("P3", "", 2025, 1);
  std::string park = "P1", industry = "3041";
  EXPECT_TRUE(ApplyCorrections(cs, P("2024-03"), &park, &industry));
  EXPECT_EQ(park, "P2");
  EXPECT_EQ(industry, "2710");
  park = "P1", industry = "3041";
  EXPECT_TRUE(ApplyCorrections(cs, P("2024-04"), &park, &industry));
  EXPECT_EQ(park, "P2");
  EXPECT_EQ(industry, "3051");
  park = "P1", industry = "3041";
  EXPECT_FALSE(ApplyCorrections(cs, P("2023-12"), &park, &industry));
  EXPECT_EQ(park, "P1");
  EXPECT_EQ(industry, "3041");
}

TEST(CorrectionTest, ValidationNamesTheField) {
  EXPECT_EQ(ValidateCorrection(Correction("P2", "", 2024, 1, 2024, 3)), std::nullopt);
  EXPECT_EQ(ValidateCorrection(Correction("", "", 2024, 1))->field, "park_id");
  EXPECT_EQ(ValidateCorrection(Correction("P|2", "", 2024, 1))->field, "park_id");
  EXPECT_EQ(ValidateCorrection(Correction("", "9999", 2024, 1))->field, "industry");
  EXPECT_EQ(ValidateCorrection(Correction("P2", "", 2024, 13))->field, "corrects_from");
  const auto backwards = ValidateCorrection(Correction("P2", "", 2024, 5, 2024, 3));
  ASSERT_TRUE(backwards.has_value());
  EXPECT_EQ(backwards->field, "corrects_to");
  EXPECT_NE(backwards->reason.find("2024-03 is before corrects_from 2024-05"),
            std::string::npos)
      << backwards->reason;
  auto bad_uscc = Correction("P2", "", 2024, 1);
  bad_uscc.set_uscc("91110000600037341X");
  EXPECT_EQ(ValidateCorrection(bad_uscc)->field, "uscc");
  pb::EnterpriseCorrection no_from = Correction("P2", "", 2024, 1);
  no_from.clear_corrects_from();
  EXPECT_EQ(ValidateCorrection(no_from)->field, "corrects_from");
  // On the reports topic, the same rules (defence in depth).
  pb::ReportEnvelope env;
  *env.mutable_correction() = Correction("P2", "", 2024, 5, 2024, 3);
  EXPECT_EQ(ValidateEnvelope(env)->field, "corrects_to");
}

TEST(CorrectionTest, RegistryKnowsTheEnterpriseAndThePark) {
  MemoryRegistry registry;
  pb::RegistryRecord park;
  park.mutable_park()->set_id("P2");
  park.mutable_park()->set_name("park 2");
  park.mutable_park()->set_county_code("222401");
  registry.Apply(park);
  pb::RegistryRecord r;
  *r.mutable_correction() = Correction("P2", "", 2024, 1);
  {
    const MemoryRegistry::Reader view(registry);
    EXPECT_EQ(ValidateRegistryRecord(r, view)->field, "uscc");  // not registered yet
  }
  pb::RegistryRecord ent;
  ent.mutable_enterprise()->set_uscc(kUscc);
  ent.mutable_enterprise()->set_park_id("P2");
  ent.mutable_enterprise()->set_industry("3041");
  registry.Apply(ent);
  registry.Apply(r);  // changes no entry by itself
  const MemoryRegistry::Reader view(registry);
  EXPECT_EQ(ValidateRegistryRecord(r, view), std::nullopt);
  EXPECT_EQ(view.FindEnterprise(kUscc)->industry(), "3041");
  *r.mutable_correction() = Correction("P9", "", 2024, 1);
  EXPECT_EQ(ValidateRegistryRecord(r, view)->field, "park_id");
}

TEST(CorrectionTest, CsvRowsWithChineseHeaders) {
  auto table = ParseCsv(
      "统一社会信用代码,园区代码,行业代码,更正起始期,更正截止期\n"
      "91110000600037341L,P2,,2024-01/02,2024-03\n"
      "91110000600037341L,,3051,2024年4月,\n");
  ASSERT_TRUE(table.ok()) << table.status();
  auto records = CorrectionsFromCsv(*table);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  const auto& a = (*records)[0].correction();
  EXPECT_EQ(a.park_id(), "P2");
  EXPECT_TRUE(a.corrects_from().jan_feb());
  EXPECT_EQ(a.corrects_to().month(), 3);
  const auto& b = (*records)[1].correction();
  EXPECT_EQ(b.industry(), "3051");
  EXPECT_EQ(b.corrects_from().month(), 4);
  EXPECT_FALSE(b.has_corrects_to());
}

TEST(CorrectionTest, CsvRefusesABadRowNamingLineAndField) {
  auto table = ParseCsv(
      "uscc,park_id,industry,corrects_from,corrects_to\n"
      "91110000600037341L,P2,,2024-01,2024-03\n"
      "91110000600037341L,P2,,2024-13,\n");
  ASSERT_TRUE(table.ok());
  auto records = CorrectionsFromCsv(*table);
  ASSERT_FALSE(records.ok());
  EXPECT_NE(records.status().message().find("line 3"), std::string::npos)
      << records.status();
  EXPECT_NE(records.status().message().find("corrects_from"), std::string::npos)
      << records.status();
}

}  // namespace
}  // namespace cw::domain
