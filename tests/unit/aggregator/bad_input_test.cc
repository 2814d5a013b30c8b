// Bad report messages at the aggregator: truncated protobuf, random bytes, other message
// types and envelopes that decode but cannot be applied. Each must become exactly one dead
// letter on the rejected topic, naming the reason and keeping the bytes, and nothing of it
// may reach the park aggregates (no a| keys in the store, no park-metrics record).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "aggregator/chained_stages.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/domain/dead_letter.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::aggregator {
namespace {

namespace pb = ::clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";
constexpr char kNotAnEnvelope[] = "value is not a clusterwatch.v1.ReportEnvelope protobuf";

pb::ReportEnvelope ValidOutput() {
  pb::ReportEnvelope env;
  pb::OutputReport* r = env.mutable_output();
  r->set_uscc(kUsccA);
  r->set_park_id("P1");
  r->set_industry("3041");
  r->mutable_period()->set_year(2024);
  r->mutable_period()->set_month(3);
  r->set_basis(pb::VALUE_BASIS_MONTH);
  r->mutable_gross_output()->set_fen(100'00);
  r->set_employees(10);
  r->set_revision(1);
  env.mutable_provenance()->set_source_bureau("bureau-1");
  env.mutable_provenance()->set_submission_id("s1");
  env.mutable_provenance()->set_received_unix_ms(1000);
  return env;
}

class AggregatorBadInputTest : public ::testing::Test {
 protected:
  AggregatorBadInputTest()
      : aggregator_(store_, producer_, clock_, topics_, registry_) {}

  kafka::Message Message(std::string value) {
    kafka::Message m;
    m.topic = topics_.reports;
    m.partition = 3;
    m.offset = next_offset_++;
    m.value = std::move(value);
    return m;
  }

  int KeysWithPrefix(std::string_view prefix) {
    int n = 0;
    EXPECT_TRUE(store_
                    .Scan(prefix,
                          [&n](std::string_view, std::string_view) {
                            ++n;
                            return true;
                          })
                    .ok());
    return n;
  }

  int ParkMetricsRecords() {
    int n = 0;
    for (const kafka::OutRecord& r : producer_.sent_ForTest()) {
      if (r.topic == topics_.park_metrics) ++n;
    }
    return n;
  }

  // Processes `value` alone and expects one dead letter with `reason` (when not empty),
  // nothing in the aggregates, and the offset stored past it.
  void ExpectDeadLetter(const std::string& value, const std::string& reason,
                        const std::string& what) {
    SCOPED_TRACE(what);
    producer_.Clear_ForTest();
    const kafka::Message m = Message(value);
    absl::StatusOr<BatchResult> r = aggregator_.ProcessBatch({m});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->poison, 1);
    EXPECT_EQ(r->applied + r->duplicates + r->stale, 0);
    EXPECT_EQ(r->snapshots_published, 0);
    const std::vector<kafka::OutRecord> sent = producer_.sent_ForTest();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].topic, topics_.rejected);
    EXPECT_EQ(sent[0].key, domain::DeadLetterKey(m.topic, m.partition, m.offset));
    pb::RejectedRecord rej;
    ASSERT_TRUE(rej.ParseFromString(sent[0].value));
    EXPECT_EQ(rej.stage(), "aggregator");
    if (reason.empty()) {
      EXPECT_FALSE(rej.reason().empty());
    } else {
      EXPECT_THAT(rej.reason(), ::testing::StartsWith(reason));
    }
    EXPECT_EQ(rej.raw(), value);
    EXPECT_EQ(rej.source_topic(), m.topic);
    EXPECT_EQ(rej.source_partition(), m.partition);
    EXPECT_EQ(rej.source_offset(), m.offset);
    EXPECT_EQ(KeysWithPrefix("a|"), 0);
    EXPECT_EQ(KeysWithPrefix("y|"), 0);
    EXPECT_EQ(ParkMetricsRecords(), 0);
    absl::StatusOr<std::optional<int64_t>> offset =
        aggregator_.StoredOffset({m.topic, m.partition});
    ASSERT_TRUE(offset.ok());
    EXPECT_EQ(offset->value_or(-1), m.offset + 1);
  }

  store::MemoryStore store_;
  kafka::FakeProducer producer_;
  obs::FakeClock clock_;
  kafka::Topics topics_;
  prometheus::Registry registry_;
  ChainedStages aggregator_;
  int64_t next_offset_ = 100;
};

// Every truncation of a valid envelope that cuts into its report is a dead letter.
TEST_F(AggregatorBadInputTest, TruncatedEnvelopesAreDeadLetters) {
  const std::string full = ValidOutput().SerializeAsString();
  // Field 1 (output), length-delimited, with a one-byte length: cutting anywhere before
  // its end leaves a declared length longer than the bytes.
  ASSERT_EQ(full[0], '\x0a');
  const size_t report_end = 2 + static_cast<unsigned char>(full[1]);
  ASSERT_LT(report_end, full.size());
  for (size_t n = 1; n < report_end; ++n) {
    ExpectDeadLetter(full.substr(0, n), kNotAnEnvelope,
                     "truncated to " + std::to_string(n) + " bytes");
  }
  // Cutting into the provenance that follows the report is as bad.
  ExpectDeadLetter(full.substr(0, full.size() - 1), kNotAnEnvelope, "last byte cut");
}

// Fixed bad values, each with its reason: the field, then what was wrong. What ingest would
// refuse is refused here too (defence in depth): a wrong USCC check character, an unknown
// industry class, negative or implausible money.
TEST_F(AggregatorBadInputTest, FixedBadValuesAreDeadLettersWithReason) {
  pb::ReportEnvelope env = ValidOutput();
  env.clear_output();
  ExpectDeadLetter(env.SerializeAsString(), "envelope carries no report", "provenance only");
  ExpectDeadLetter("", "envelope carries no report", "empty value");

  env = ValidOutput();
  env.mutable_output()->set_uscc("9111000060003734");
  ExpectDeadLetter(env.SerializeAsString(), "uscc: ", "short uscc");
  env = ValidOutput();
  env.mutable_output()->set_uscc("91110000600037341M");  // check character is L
  ExpectDeadLetter(env.SerializeAsString(), "uscc: ", "wrong check character");
  env = ValidOutput();
  env.mutable_output()->set_industry("9999");
  ExpectDeadLetter(env.SerializeAsString(), "industry: ", "unknown industry class");
  env = ValidOutput();
  env.mutable_output()->mutable_gross_output()->set_fen(-1);
  ExpectDeadLetter(env.SerializeAsString(), "gross_output: ", "negative output");
  env = ValidOutput();
  env.mutable_output()->mutable_gross_output()->set_fen(INT64_MAX);
  ExpectDeadLetter(env.SerializeAsString(), "gross_output: ", "implausible output");
  env = ValidOutput();
  env.mutable_output()->set_park_id("");
  ExpectDeadLetter(env.SerializeAsString(), "park_id: ", "no park");
  env = ValidOutput();
  env.mutable_output()->set_park_id("P1|2024-03");
  ExpectDeadLetter(env.SerializeAsString(), "park_id: ", "park with |");
  env = ValidOutput();
  env.mutable_output()->mutable_period()->set_month(13);
  ExpectDeadLetter(env.SerializeAsString(), "period: month 13 is outside 1..12", "month 13");
  env = ValidOutput();
  env.mutable_output()->mutable_period()->set_jan_feb(true);  // with month 3
  ExpectDeadLetter(env.SerializeAsString(), "period: jan_feb is set with month 3",
                   "jan_feb with month 3");
  env = ValidOutput();
  env.mutable_output()->set_basis(pb::VALUE_BASIS_UNSPECIFIED);
  ExpectDeadLetter(env.SerializeAsString(), "basis: ", "no basis");
  pb::ReportEnvelope tax;
  auto* t = tax.mutable_tax();
  t->set_uscc(kUsccA);
  t->set_park_id("P1");
  t->set_industry("3041");
  t->mutable_period()->set_year(2024);
  t->mutable_period()->set_month(3);
  t->set_basis(pb::VALUE_BASIS_MONTH);
  t->add_counterparties()->set_uscc("91110000600037341M");
  ExpectDeadLetter(tax.SerializeAsString(), "counterparties: counterparty 1",
                   "counterparty with a wrong check character");

  ExpectDeadLetter("\xFF\xFF\xFF\xFF", kNotAnEnvelope, "0xFF bytes");
  ExpectDeadLetter(std::string("\x0a\xFF\xFF\xFF\xFF\x0F", 6), kNotAnEnvelope,
                   "report declared 4 GiB long");
  ExpectDeadLetter(std::string("\x0a\x14\x0a\x12", 4) + std::string(18, '\xFF'),
                   kNotAnEnvelope, "uscc of 18 bytes that are not UTF-8");
  ExpectDeadLetter("{\"output\":{\"uscc\":\"91110000600037341L\"}}", kNotAnEnvelope,
                   "JSON instead of protobuf");
  ExpectDeadLetter("91110000600037341L,P1,3041,2024-03,100", kNotAnEnvelope,
                   "a CSV line instead of protobuf");
}

// Random bytes (fixed seed) never reach the aggregates; each is one dead letter.
TEST_F(AggregatorBadInputTest, RandomBytesAreDeadLetters) {
  std::mt19937 rng(20240301);
  for (int i = 0; i < 200; ++i) {
    std::string value(1 + rng() % 96, '\0');
    for (char& c : value) c = static_cast<char>(rng() & 0xFF);
    ExpectDeadLetter(value, "", "random message " + std::to_string(i));
  }
}

// In one batch the good message is applied and the bad ones are dead letters; the park
// aggregate holds only the good report.
TEST_F(AggregatorBadInputTest, BadMessagesDoNotDisturbGoodOnesInTheSameBatch) {
  const std::string good = ValidOutput().SerializeAsString();
  absl::StatusOr<BatchResult> r = aggregator_.ProcessBatch(
      {Message(good.substr(0, good.size() / 2)), Message(good), Message("\x0a\x05garb")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 1);
  EXPECT_EQ(r->poison, 2);
  int dead = 0;
  int snapshots = 0;
  pb::ParkSnapshot snap;
  for (const kafka::OutRecord& rec : producer_.sent_ForTest()) {
    if (rec.topic == topics_.rejected) ++dead;
    if (rec.topic == topics_.park_metrics) {
      ++snapshots;
      ASSERT_TRUE(snap.ParseFromString(rec.value));
    }
  }
  EXPECT_EQ(dead, 2);
  EXPECT_EQ(snapshots, 1);
  EXPECT_EQ(snap.month().gross_output().fen(), 100'00);
  EXPECT_EQ(snap.month().output_reporters(), 1);
  EXPECT_EQ(KeysWithPrefix("a|"), 1);
}

// A value that fails to decode because a provenance string is not UTF-8 still gives a
// decodable dead letter: the partly decoded provenance is not copied into it.
// (fuzz/regressions/fuzz_report_decoder/provenance_source_bureau_not_utf8.pb)
TEST_F(AggregatorBadInputTest, UndecodableProvenanceStillGivesADecodableDeadLetter) {
  ExpectDeadLetter(std::string("\x1a\x03\x0a\x01\xFF", 5), kNotAnEnvelope,
                   "provenance.source_bureau not UTF-8");
}

}  // namespace
}  // namespace cw::aggregator
