#include "common/domain/validate.h"

#include <limits>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace cw::domain {
namespace {

namespace pb = ::clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";     // registered, park YJ01
constexpr char kUsccB[] = "91310115MA1K3BTP2B";     // registered, no park
constexpr char kUsccC[] = "91222401MA0Y00002U";     // not registered
constexpr char kUsccD[] = "91222401MA0Y00003Y";     // registered in a park with a bad county
constexpr int64_t kYuan = 100;

// An in-memory registry.
class FakeRegistry : public RegistryView {
 public:
  void AddPark(const std::string& id, const std::string& county) {
    pb::Park p;
    p.set_id(id);
    p.set_county_code(county);
    parks_[id] = p;
  }
  void AddEnterprise(const std::string& uscc, const std::string& park_id,
                     const std::string& industry) {
    pb::Enterprise e;
    e.set_uscc(uscc);
    e.set_park_id(park_id);
    e.set_industry(industry);
    enterprises_[uscc] = e;
  }
  const pb::Park* FindPark(const std::string& id) const override {
    auto it = parks_.find(id);
    return it == parks_.end() ? nullptr : &it->second;
  }
  const pb::Enterprise* FindEnterprise(const std::string& uscc) const override {
    auto it = enterprises_.find(uscc);
    return it == enterprises_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, pb::Park> parks_;
  std::map<std::string, pb::Enterprise> enterprises_;
};

class ValidateTest : public ::testing::Test {
 protected:
  ValidateTest() {
    registry_.AddPark("YJ01", "222401");
    registry_.AddPark("BAD", "992401");
    registry_.AddEnterprise(kUsccA, "YJ01", "3041");
    registry_.AddEnterprise(kUsccB, "", "3051");
    registry_.AddEnterprise(kUsccD, "BAD", "3051");
  }

  static pb::OutputReport ValidOutput() {
    pb::OutputReport r;
    r.set_uscc(kUsccA);
    r.set_park_id("YJ01");
    r.set_industry("3041");
    r.mutable_period()->set_year(2024);
    r.mutable_period()->set_month(3);
    r.set_basis(pb::VALUE_BASIS_MONTH);
    r.mutable_gross_output()->set_fen(1000 * kYuan);
    r.mutable_sales_output()->set_fen(900 * kYuan);
    r.mutable_export_delivery()->set_fen(100 * kYuan);
    r.set_employees(50);
    r.set_revision(1);
    return r;
  }

  static pb::TaxReport ValidTax() {
    pb::TaxReport r;
    r.set_uscc(kUsccA);
    r.mutable_period()->set_year(2024);
    r.mutable_period()->set_month(2);
    r.mutable_period()->set_jan_feb(true);
    r.set_basis(pb::VALUE_BASIS_YEAR_TO_DATE);
    r.mutable_total_tax()->set_fen(300 * kYuan);
    r.mutable_vat()->set_fen(200 * kYuan);
    r.mutable_corporate_income_tax()->set_fen(100 * kYuan);
    pb::Counterparty* c = r.add_counterparties();
    c->set_uscc(kUsccB);
    c->mutable_purchases()->set_fen(50 * kYuan);
    r.set_revision(1);
    return r;
  }

  // Validates and expects exactly this violation.
  void ExpectOutputViolation(pb::OutputReport r, const std::string& field,
                             const std::string& reason, const ValidationLimits& limits = {}) {
    const std::optional<Violation> v = ValidateOutput(r, registry_, limits);
    ASSERT_TRUE(v.has_value()) << r.DebugString();
    EXPECT_EQ(v->field, field);
    EXPECT_EQ(v->reason, reason);
  }
  void ExpectTaxViolation(pb::TaxReport r, const std::string& field,
                          const std::string& reason) {
    const std::optional<Violation> v = ValidateTax(r, registry_);
    ASSERT_TRUE(v.has_value()) << r.DebugString();
    EXPECT_EQ(v->field, field);
    EXPECT_EQ(v->reason, reason);
  }

  FakeRegistry registry_;
};

// A complete, plausible output report passes unchanged.
TEST_F(ValidateTest, ValidOutputPasses) {
  pb::OutputReport r = ValidOutput();
  EXPECT_EQ(ValidateOutput(r, registry_), std::nullopt);
  EXPECT_EQ(r.park_id(), "YJ01");
}

// An output report from an unregistered enterprise is fine when its park is known.
TEST_F(ValidateTest, OutputNeedsNoRegisteredEnterprise) {
  pb::OutputReport r = ValidOutput();
  r.set_uscc(kUsccC);
  EXPECT_EQ(ValidateOutput(r, registry_), std::nullopt);
}

// A bad USCC is reported on uscc, before anything else.
TEST_F(ValidateTest, OutputBadUsccFirst) {
  pb::OutputReport r = ValidOutput();
  r.set_uscc("91110000600037341N");
  r.set_industry("x");
  ExpectOutputViolation(r, "uscc", "USCC '91110000600037341N': check character is N, expected L");
}

// A bad industry class is reported on industry.
TEST_F(ValidateTest, OutputBadIndustry) {
  pb::OutputReport r = ValidOutput();
  r.set_industry("9901");
  ExpectOutputViolation(r, "industry",
                        "industry class '9901': division 99 does not exist (expected a GB/T "
                        "4754-2017 division 01..97)");
  r.set_industry("");
  ExpectOutputViolation(r, "industry",
                        "industry class '' is not four digits (expected a GB/T 4754-2017 class "
                        "such as 3041)");
}

// Years outside the limits, months outside 1..12 and a misplaced jan_feb are refused.
TEST_F(ValidateTest, OutputBadPeriod) {
  pb::OutputReport r = ValidOutput();
  r.mutable_period()->set_year(1999);
  ExpectOutputViolation(r, "period", "year 1999 is outside 2000..2100");
  r.mutable_period()->set_year(2024);
  r.mutable_period()->set_month(13);
  ExpectOutputViolation(r, "period", "month 13 is outside 1..12");
  r.mutable_period()->set_month(0);
  ExpectOutputViolation(r, "period", "month 0 is outside 1..12");
  r.mutable_period()->set_month(3);
  r.mutable_period()->set_jan_feb(true);
  ExpectOutputViolation(r, "period",
                        "jan_feb is set with month 3 (expected month 2 for the combined "
                        "January–February period)");
  ValidationLimits limits;
  limits.max_year = 2020;
  r = ValidOutput();
  ExpectOutputViolation(r, "period", "year 2024 is outside 2000..2020", limits);
}

// An unspecified basis is refused.
TEST_F(ValidateTest, OutputBasisUnspecified) {
  pb::OutputReport r = ValidOutput();
  r.set_basis(pb::VALUE_BASIS_UNSPECIFIED);
  ExpectOutputViolation(r, "basis", "value basis is unspecified (expected month or year-to-date)");
}

// An empty park_id is filled from the enterprise's registry record.
TEST_F(ValidateTest, OutputFillsParkFromRegistry) {
  pb::OutputReport r = ValidOutput();
  r.clear_park_id();
  EXPECT_EQ(ValidateOutput(r, registry_), std::nullopt);
  EXPECT_EQ(r.park_id(), "YJ01");
}

// An empty park_id that the registry cannot fill is an unknown park.
TEST_F(ValidateTest, OutputParkUnfillable) {
  pb::OutputReport r = ValidOutput();
  r.clear_park_id();
  r.set_uscc(kUsccB);  // registered without a park
  ExpectOutputViolation(r, "park_id",
                        absl::StrCat("unknown park '' (not in the registry): park_id is empty "
                                     "and enterprise '",
                                     kUsccB, "' has no registered park (expected a park id)"));
  r.set_uscc(kUsccC);  // not registered
  ExpectOutputViolation(r, "park_id",
                        absl::StrCat("unknown park '' (not in the registry): park_id is empty "
                                     "and enterprise '",
                                     kUsccC, "' has no registered park (expected a park id)"));
}

// A park the registry does not know is refused by name.
TEST_F(ValidateTest, OutputUnknownPark) {
  pb::OutputReport r = ValidOutput();
  r.set_park_id("NOPE");
  ExpectOutputViolation(r, "park_id", "unknown park 'NOPE' (not in the registry)");
}

// A registered park with an invalid county code is refused.
TEST_F(ValidateTest, OutputParkWithBadCounty) {
  pb::OutputReport r = ValidOutput();
  r.set_park_id("BAD");
  ExpectOutputViolation(r, "park_id",
                        "park 'BAD' in the registry has an invalid county code: region code "
                        "'992401': province 99 does not exist (expected a GB/T 2260 province "
                        "code such as 22)");
}

// Negative money is refused on the field that carries it.
TEST_F(ValidateTest, OutputNegativeMoney) {
  pb::OutputReport r = ValidOutput();
  r.mutable_gross_output()->set_fen(-123456);
  ExpectOutputViolation(r, "gross_output",
                        "-1,234.56 元 must not be negative (expected an amount >= 0)");
  r = ValidOutput();
  r.mutable_sales_output()->set_fen(-1);
  ExpectOutputViolation(r, "sales_output",
                        "-0.01 元 must not be negative (expected an amount >= 0)");
  r = ValidOutput();
  r.mutable_export_delivery()->set_fen(-100);
  ExpectOutputViolation(r, "export_delivery",
                        "-1.00 元 must not be negative (expected an amount >= 0)");
}

// A month value above the limit is implausible; a year-to-date value may be twelve times it.
TEST_F(ValidateTest, OutputPlausibility) {
  ValidationLimits limits;
  limits.max_month_fen = 1000 * kYuan;
  pb::OutputReport r = ValidOutput();
  r.mutable_gross_output()->set_fen(1000 * kYuan);
  EXPECT_EQ(ValidateOutput(r, registry_, limits), std::nullopt);
  r.mutable_gross_output()->set_fen(1000 * kYuan + 1);
  ExpectOutputViolation(r, "gross_output",
                        "1,000.01 元 is implausibly large (expected at most 1,000.00 元 for a "
                        "month value)",
                        limits);
  r.set_basis(pb::VALUE_BASIS_YEAR_TO_DATE);
  r.mutable_gross_output()->set_fen(12000 * kYuan);
  EXPECT_EQ(ValidateOutput(r, registry_, limits), std::nullopt);
  r.mutable_gross_output()->set_fen(12000 * kYuan + 1);
  ExpectOutputViolation(r, "gross_output",
                        "12,000.01 元 is implausibly large (expected at most 12,000.00 元 for a "
                        "year-to-date value)",
                        limits);
}

// The default limit is 1e12 yuan a month and does not overflow for year-to-date.
TEST_F(ValidateTest, OutputDefaultLimit) {
  pb::OutputReport r = ValidOutput();
  r.mutable_gross_output()->set_fen(100'000'000'000'001);
  ExpectOutputViolation(r, "gross_output",
                        "1,000,000,000,000.01 元 is implausibly large (expected at most "
                        "1,000,000,000,000.00 元 for a month value)");
  ValidationLimits huge;
  huge.max_month_fen = std::numeric_limits<int64_t>::max() / 2;
  r.set_basis(pb::VALUE_BASIS_YEAR_TO_DATE);
  r.mutable_gross_output()->set_fen(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ValidateOutput(r, registry_, huge), std::nullopt);
}

// Employees must lie within 0..max_employees.
TEST_F(ValidateTest, OutputEmployees) {
  pb::OutputReport r = ValidOutput();
  r.set_employees(-3);
  ExpectOutputViolation(r, "employees",
                        "-3 must not be negative (expected a number of employees >= 0)");
  r.set_employees(1'000'000);
  EXPECT_EQ(ValidateOutput(r, registry_), std::nullopt);
  r.set_employees(1'000'001);
  ExpectOutputViolation(r, "employees", "1000001 is implausibly large (expected at most 1000000)");
}

// A valid tax report passes and takes park and industry from the registry.
TEST_F(ValidateTest, ValidTaxPassesAndIsFilled) {
  pb::TaxReport r = ValidTax();
  r.set_park_id("client-value");
  EXPECT_EQ(ValidateTax(r, registry_), std::nullopt);
  EXPECT_EQ(r.park_id(), "YJ01");
  EXPECT_EQ(r.industry(), "3041");
}

// Tax reports need a registered enterprise.
TEST_F(ValidateTest, TaxEnterpriseNotRegistered) {
  pb::TaxReport r = ValidTax();
  r.set_uscc(kUsccC);
  ExpectTaxViolation(r, "uscc",
                     absl::StrCat("enterprise not in the registry: '", kUsccC,
                                  "' (expected an enterprise registered before its tax "
                                  "reports)"));
}

// The tax report's checks run in order: uscc, period, basis.
TEST_F(ValidateTest, TaxCheckOrder) {
  pb::TaxReport r = ValidTax();
  r.set_uscc("bad");
  r.mutable_period()->set_month(13);
  ExpectTaxViolation(r, "uscc", "USCC 'bad' has 3 characters (expected 18)");
  r.set_uscc(kUsccC);
  ExpectTaxViolation(r, "period", "month 13 is outside 1..12");
  r.mutable_period()->set_month(2);
  r.set_basis(pb::VALUE_BASIS_UNSPECIFIED);
  ExpectTaxViolation(r, "basis", "value basis is unspecified (expected month or year-to-date)");
}

// An enterprise whose registry park is missing or broken cannot be placed.
TEST_F(ValidateTest, TaxEnterpriseParkUnknown) {
  pb::TaxReport r = ValidTax();
  r.set_uscc(kUsccB);
  ExpectTaxViolation(r, "park_id", "unknown park '' (not in the registry)");
  r.set_uscc(kUsccD);
  ExpectTaxViolation(r, "park_id",
                     "park 'BAD' in the registry has an invalid county code: region code "
                     "'992401': province 99 does not exist (expected a GB/T 2260 province code "
                     "such as 22)");
}

// Negative or implausible tax figures are refused on their fields.
TEST_F(ValidateTest, TaxMoney) {
  pb::TaxReport r = ValidTax();
  r.mutable_vat()->set_fen(-5);
  ExpectTaxViolation(r, "vat", "-0.05 元 must not be negative (expected an amount >= 0)");
  r = ValidTax();
  r.mutable_corporate_income_tax()->set_fen(-500);
  ExpectTaxViolation(r, "corporate_income_tax",
                     "-5.00 元 must not be negative (expected an amount >= 0)");
  r = ValidTax();
  r.mutable_total_tax()->set_fen(1'200'000'000'000'001);
  ExpectTaxViolation(r, "total_tax",
                     "12,000,000,000,000.01 元 is implausibly large (expected at most "
                     "12,000,000,000,000.00 元 for a year-to-date value)");
}

// Counterparties need valid USCCs and non-negative purchases.
TEST_F(ValidateTest, TaxCounterparties) {
  pb::TaxReport r = ValidTax();
  pb::Counterparty* c = r.add_counterparties();
  c->set_uscc("91110000600037341N");
  ExpectTaxViolation(r, "counterparties",
                     "counterparty 2: USCC '91110000600037341N': check character is N, "
                     "expected L");
  r = ValidTax();
  r.mutable_counterparties(0)->mutable_purchases()->set_fen(-100);
  ExpectTaxViolation(r, "counterparties",
                     absl::StrCat("counterparty 1 ('", kUsccB,
                                  "'): purchases of -1.00 元 must not be negative (expected an "
                                  "amount >= 0)"));
}

// The registry-free checks on an envelope as it is on the reports topic: what ingest accepted
// passes; what ingest refuses for its codes, period, basis or money fails, naming the field.
TEST(ValidateEnvelopeTest, RefusesWhatIngestRefusesWithoutARegistry) {
  pb::ReportEnvelope env;
  auto* r = env.mutable_output();
  r->set_uscc(kUsccA);
  r->set_park_id("YJ01");
  r->set_industry("3041");
  r->mutable_period()->set_year(2024);
  r->mutable_period()->set_month(3);
  r->set_basis(pb::VALUE_BASIS_MONTH);
  r->mutable_gross_output()->set_fen(100 * kYuan);
  EXPECT_EQ(ValidateEnvelope(env), std::nullopt);
  auto field_of = [](const pb::ReportEnvelope& e) {
    auto v = ValidateEnvelope(e);
    return v ? v->field : std::string("none");
  };
  pb::ReportEnvelope bad = env;
  bad.mutable_output()->set_uscc("91110000600037341M");  // check character L expected
  EXPECT_EQ(field_of(bad), "uscc");
  bad = env;
  bad.mutable_output()->set_industry("9999");
  EXPECT_EQ(field_of(bad), "industry");
  bad = env;
  bad.mutable_output()->mutable_period()->set_year(1999);
  EXPECT_EQ(field_of(bad), "period");
  bad = env;
  bad.mutable_output()->set_basis(pb::VALUE_BASIS_UNSPECIFIED);
  EXPECT_EQ(field_of(bad), "basis");
  bad = env;
  bad.mutable_output()->mutable_export_delivery()->set_fen(-1);
  EXPECT_EQ(field_of(bad), "export_delivery");
  bad = env;
  bad.mutable_output()->set_employees(-1);
  EXPECT_EQ(field_of(bad), "employees");
  bad = env;
  bad.mutable_output()->set_park_id("");
  EXPECT_EQ(field_of(bad), "park_id");
  EXPECT_EQ(field_of(pb::ReportEnvelope()), "");

  pb::ReportEnvelope tax;
  auto* t = tax.mutable_tax();
  t->set_uscc(kUsccB);
  t->set_park_id("YJ01");
  t->mutable_period()->set_year(2024);
  t->mutable_period()->set_month(3);
  t->set_basis(pb::VALUE_BASIS_YEAR_TO_DATE);
  t->mutable_vat()->set_fen(5 * kYuan);
  EXPECT_EQ(ValidateEnvelope(tax), std::nullopt);  // an enterprise without an industry
  t->add_counterparties()->set_uscc(kUsccC);
  t->mutable_counterparties(0)->mutable_purchases()->set_fen(-5);
  EXPECT_EQ(field_of(tax), "counterparties");
}

}  // namespace
}  // namespace cw::domain
