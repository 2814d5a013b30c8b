// Writes the seed corpus of fuzz_report_decoder: serialized ReportEnvelopes as ingest
// produces them (output and tax reports, month and year-to-date, 1-2月, counterparties),
// envelopes the aggregator must refuse (no report, bad USCC length, park id with '|', month
// 13, jan_feb with month 3), and damaged bytes (truncated, a wrong message type, invalid
// UTF-8 in a string field, deterministic garbage). Run once; the output is checked in.
//
// Usage: make_decoder_seeds <output directory>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "clusterwatch/v1/reports.pb.h"

namespace {

namespace pb = ::clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";
constexpr char kUsccB[] = "91310115MA1K3BTP2B";

pb::ReportEnvelope Output(bool ytd, bool jan_feb) {
  pb::ReportEnvelope env;
  pb::OutputReport* r = env.mutable_output();
  r->set_uscc(kUsccA);
  r->set_park_id("P321023A");
  r->set_industry("3041");
  r->mutable_period()->set_year(2024);
  r->mutable_period()->set_month(jan_feb ? 2 : 3);
  r->mutable_period()->set_jan_feb(jan_feb);
  r->set_basis(ytd ? pb::VALUE_BASIS_YEAR_TO_DATE : pb::VALUE_BASIS_MONTH);
  r->mutable_gross_output()->set_fen(123'456'700);
  r->mutable_sales_output()->set_fen(100'000'000);
  r->mutable_export_delivery()->set_fen(1'250'000);
  r->set_employees(120);
  r->set_revision(2);
  pb::Provenance* p = env.mutable_provenance();
  p->set_source_bureau("bureau-321023");
  p->set_submission_id("sub-0001");
  p->set_received_unix_ms(1'706'745'600'000);
  p->set_line(2);
  return env;
}

pb::ReportEnvelope Tax() {
  pb::ReportEnvelope env;
  pb::TaxReport* r = env.mutable_tax();
  r->set_uscc(kUsccB);
  r->set_park_id("P321023A");
  r->set_industry("3051");
  r->mutable_period()->set_year(2024);
  r->mutable_period()->set_month(12);
  r->set_basis(pb::VALUE_BASIS_YEAR_TO_DATE);
  r->mutable_total_tax()->set_fen(9'000'000);
  r->mutable_vat()->set_fen(6'000'000);
  r->mutable_corporate_income_tax()->set_fen(2'000'000);
  r->set_park_county("321023");
  pb::Counterparty* c = r->add_counterparties();
  c->set_uscc(kUsccA);
  c->mutable_purchases()->set_fen(50'000'000);
  c->set_park_id("P321023A");
  c->set_county_code("321023");
  c = r->add_counterparties();
  c->set_uscc("91320000134782713X");
  c->mutable_purchases()->set_fen(7'000'000);
  r->set_revision(1);
  env.mutable_provenance()->set_submission_id("sub-0002");
  env.mutable_provenance()->set_received_unix_ms(1'736'000'000'000);
  return env;
}

bool Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream f(dir + "/" + name, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output directory>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;

  // Accepted by the aggregator.
  const std::string output = Output(false, false).SerializeAsString();
  ok &= Write(dir, "output_month.pb", output);
  ok &= Write(dir, "output_ytd_jan_feb.pb", Output(true, true).SerializeAsString());
  const std::string tax = Tax().SerializeAsString();
  ok &= Write(dir, "tax_ytd_counterparties.pb", tax);

  // Decodable, refused by the aggregator's checks.
  pb::ReportEnvelope e = Output(false, false);
  e.clear_output();
  ok &= Write(dir, "no_report.pb", e.SerializeAsString());
  e = Output(false, false);
  e.mutable_output()->set_uscc("9111000060003734");
  ok &= Write(dir, "uscc_16_chars.pb", e.SerializeAsString());
  e = Tax();
  e.mutable_tax()->set_park_id("P1|2024-03");
  ok &= Write(dir, "park_id_with_bar.pb", e.SerializeAsString());
  e = Output(false, false);
  e.mutable_output()->mutable_period()->set_month(13);
  ok &= Write(dir, "month_13.pb", e.SerializeAsString());
  e = Output(false, false);
  e.mutable_output()->mutable_period()->set_jan_feb(true);
  ok &= Write(dir, "jan_feb_month_3.pb", e.SerializeAsString());
  e = Tax();
  e.mutable_tax()->mutable_period()->set_year(1948);
  ok &= Write(dir, "year_1948.pb", e.SerializeAsString());

  // Not a ReportEnvelope.
  ok &= Write(dir, "truncated_output.pb", output.substr(0, output.size() - 3));
  ok &= Write(dir, "truncated_tax_half.pb", tax.substr(0, tax.size() / 2));
  pb::RejectedRecord rejected;
  rejected.set_stage("ingest");
  rejected.set_reason("uscc: check character");
  rejected.set_raw("91110000600037341X,3041,2024-03,10");
  ok &= Write(dir, "rejected_record.pb", rejected.SerializeAsString());
  // Field 1 (output), then inside it field 1 (uscc) with 18 bytes that are not UTF-8.
  std::string bad_utf8 = "\x0a\x14\x0a\x12";
  bad_utf8 += std::string(18, '\xff');
  ok &= Write(dir, "uscc_not_utf8.pb", bad_utf8);
  // Deterministic garbage (xorshift, fixed seed).
  std::string garbage;
  uint32_t x = 2463534242u;
  for (int i = 0; i < 256; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    garbage.push_back(static_cast<char>(x & 0xff));
  }
  ok &= Write(dir, "garbage_256.bin", garbage);
  ok &= Write(dir, "empty.bin", "");

  if (!ok) {
    std::fprintf(stderr, "make_decoder_seeds: cannot write to %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
