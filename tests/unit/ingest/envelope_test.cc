// EnvelopeWriter writes exactly ReportEnvelope::SerializeAsString()'s bytes.
#include "ingest/envelope.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace cw::ingest {
namespace {
namespace pb = clusterwatch::v1;

pb::Provenance Common(const std::string& bureau, const std::string& submission, int64_t ms) {
  pb::Provenance p;
  p.set_source_bureau(bureau);
  p.set_submission_id(submission);
  p.set_received_unix_ms(ms);
  return p;
}

pb::OutputReport Output() {
  pb::OutputReport o;
  o.set_uscc("91110000600037341L");
  o.set_park_id("P321023A");
  o.set_industry("3041");
  o.mutable_period()->set_year(2024);
  o.mutable_period()->set_month(2);
  o.mutable_period()->set_jan_feb(true);
  o.set_basis(pb::VALUE_BASIS_YEAR_TO_DATE);
  o.mutable_gross_output()->set_fen(123'456'789'012);
  o.mutable_sales_output()->set_fen(1);
  o.set_employees(350);
  o.set_revision(2);
  return o;
}

pb::TaxReport Tax() {
  pb::TaxReport t;
  t.set_uscc("91310115MA1K3BTP2B");
  t.set_park_id("P1");
  t.set_park_county("321282");
  t.mutable_period()->set_year(2023);
  t.mutable_period()->set_month(12);
  t.set_basis(pb::VALUE_BASIS_MONTH);
  t.mutable_total_tax()->set_fen(9'000);
  for (int i = 0; i < 40; ++i) {  // long enough for multi-byte lengths
    auto* c = t.add_counterparties();
    c->set_uscc("91110000600037341L");
    c->mutable_purchases()->set_fen(1000 + i);
    c->set_park_id("P2");
    c->set_county_code("222401");
  }
  return t;
}

std::string Reference(const pb::Provenance& common, int64_t line, const pb::OutputReport* o,
                      const pb::TaxReport* t) {
  pb::ReportEnvelope env;
  if (o != nullptr) *env.mutable_output() = *o;
  if (t != nullptr) *env.mutable_tax() = *t;
  *env.mutable_provenance() = common;
  env.mutable_provenance()->set_line(line);
  return env.SerializeAsString();
}

// Output and tax envelopes for lines 0 (not written in proto3), small, large and negative
// (10-byte varint), with common provenance full, partly empty or empty.
TEST(EnvelopeWriterTest, SameBytesAsReportEnvelope) {
  const pb::OutputReport output = Output();
  const pb::TaxReport tax = Tax();
  const pb::OutputReport empty_output;
  const pb::Provenance commons[] = {
      Common("bureau-321282", "a-rather-long-submission-id-0001", 1'700'000'000'000),
      Common("", "s", 0), pb::Provenance()};
  for (const auto& common : commons) {
    const EnvelopeWriter w(common);
    for (int64_t line : {int64_t{0}, int64_t{1}, int64_t{127}, int64_t{128},
                         int64_t{1'000'000}, int64_t{-1}, std::numeric_limits<int64_t>::max()}) {
      std::string got;
      w.AppendOutput(output, line, &got);
      EXPECT_EQ(got, Reference(common, line, &output, nullptr)) << "output line " << line;
      got.clear();
      w.AppendTax(tax, line, &got);
      EXPECT_EQ(got, Reference(common, line, nullptr, &tax)) << "tax line " << line;
      got.clear();
      w.AppendOutput(empty_output, line, &got);
      EXPECT_EQ(got, Reference(common, line, &empty_output, nullptr)) << "empty line " << line;
    }
  }
}

// Envelopes appended one after another to the same buffer each parse back on their own.
TEST(EnvelopeWriterTest, AppendsToTheBuffer) {
  const EnvelopeWriter w(Common("b", "sub-1", 42));
  std::string buf = "prefix";
  w.AppendOutput(Output(), 7, &buf);
  const size_t mid = buf.size();
  w.AppendTax(Tax(), 8, &buf);
  pb::ReportEnvelope first, second;
  ASSERT_TRUE(first.ParseFromString(buf.substr(6, mid - 6)));
  ASSERT_TRUE(second.ParseFromString(buf.substr(mid)));
  EXPECT_EQ(first.output().gross_output().fen(), 123'456'789'012);
  EXPECT_EQ(first.provenance().line(), 7);
  EXPECT_EQ(first.provenance().submission_id(), "sub-1");
  EXPECT_EQ(second.tax().counterparties_size(), 40);
  EXPECT_EQ(second.provenance().line(), 8);
  EXPECT_EQ(second.provenance().received_unix_ms(), 42);
}

}  // namespace
}  // namespace cw::ingest
