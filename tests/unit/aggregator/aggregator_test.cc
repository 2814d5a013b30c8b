// Tests of the two aggregator stages chained in memory (aggregator/chained_stages.h): what reaches the
// park snapshots, over an in-memory store and a recording producer.
#include "aggregator/chained_stages.h"

#include "clusterwatch/v1/metrics.pb.h"
#include "common/domain/codes.h"
#include "clusterwatch/v1/reports.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cw::aggregator {
namespace {
namespace pb = clusterwatch::v1;

constexpr char kUsccA[] = "91110000600037341L";
constexpr char kUsccB[] = "91310115MA1K3BTP2B";

class AggregatorTest : public ::testing::Test {
 protected:
  AggregatorTest()
      : aggregator_(store_, producer_, clock_, topics_, registry_) {}

  // An output report message at the next offset of partition 0.
  kafka::Message Output(const std::string& uscc, const std::string& park, int year, int month,
                        int64_t gross_fen, int revision = 1, const std::string& sub = "s1",
                        int64_t received = 1000, bool ytd = false,
                        const std::string& industry = "3041", bool jan_feb = false) {
    pb::ReportEnvelope env;
    auto* r = env.mutable_output();
    r->set_uscc(uscc);
    r->set_park_id(park);
    r->set_industry(industry);
    r->mutable_period()->set_year(year);
    r->mutable_period()->set_month(month);
    r->mutable_period()->set_jan_feb(jan_feb);
    r->set_basis(ytd ? pb::VALUE_BASIS_YEAR_TO_DATE : pb::VALUE_BASIS_MONTH);
    r->mutable_gross_output()->set_fen(gross_fen);
    r->mutable_sales_output()->set_fen(gross_fen / 2);
    r->set_employees(10);
    r->set_revision(revision);
    env.mutable_provenance()->set_submission_id(sub);
    env.mutable_provenance()->set_received_unix_ms(received);
    return Raw(env.SerializeAsString());
  }

  // A registry correction message (park and/or industry for from..to; to 0: onwards).
  kafka::Message Correction(const std::string& uscc, const std::string& park,
                            const std::string& industry, int from_year, int from_month,
                            int to_year = 0, int to_month = 0) {
    pb::ReportEnvelope env;
    auto* c = env.mutable_correction();
    c->set_uscc(uscc);
    c->set_park_id(park);
    c->set_industry(industry);
    c->mutable_corrects_from()->set_year(from_year);
    c->mutable_corrects_from()->set_month(from_month);
    if (to_year != 0) {
      c->mutable_corrects_to()->set_year(to_year);
      c->mutable_corrects_to()->set_month(to_month);
    }
    env.mutable_provenance()->set_submission_id("registry-1");
    return Raw(env.SerializeAsString());
  }

  kafka::Message Raw(std::string value) {
    kafka::Message m;
    m.topic = topics_.reports;
    m.partition = 0;
    m.offset = next_offset_++;
    m.value = std::move(value);
    return m;
  }

  // How many snapshots of park|period were published.
  int Count(const std::string& key) {
    int n = 0;
    for (const auto& r : producer_.sent_ForTest()) n += r.key == key ? 1 : 0;
    return n;
  }

  // The latest snapshot published for park|period.
  pb::ParkSnapshot Published(const std::string& key) {
    pb::ParkSnapshot snap;
    bool found = false;
    for (const auto& r : producer_.sent_ForTest()) {
      if (r.topic == topics_.park_metrics && r.key == key) {
        snap.ParseFromString(r.value);
        found = true;
      }
    }
    EXPECT_TRUE(found) << "no snapshot for " << key;
    return snap;
  }

  store::MemoryStore store_;
  kafka::FakeProducer producer_;
  obs::FakeClock clock_;
  kafka::Topics topics_;
  prometheus::Registry registry_;
  ChainedStages aggregator_;
  int64_t next_offset_ = 0;
};

// Two enterprises in one park are summed, per industry too, and offsets are stored.
TEST_F(AggregatorTest, SumsEnterprisesIntoParkSnapshot) {
  auto r = aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00),
                                     Output(kUsccB, "P1", 2024, 3, 250'00, 1, "s1", 1000,
                                            false, "3051")});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 2);
  auto snap = Published("P1|2024-03");
  EXPECT_EQ(snap.month().gross_output().fen(), 350'00);
  EXPECT_EQ(snap.month().output_reporters(), 2);
  EXPECT_EQ(snap.month().employees(), 20);
  ASSERT_EQ(snap.industries_size(), 2);
  EXPECT_EQ(snap.industries(0).industry(), "3051");
  EXPECT_DOUBLE_EQ(snap.industries(0).output_share(), 250.0 / 350.0);
  auto off = aggregator_.StoredOffset({topics_.reports, 0});
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(**off, 2);
}

// StoredOffsets lists what a restart resumes from: the next offset of every partition
// consumed, written with the state; nothing for partitions never seen.
TEST_F(AggregatorTest, StoredOffsetsListEveryConsumedPartition) {
  auto none = StoredOffsets(store_);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto a = Output(kUsccA, "P1", 2024, 3, 100'00);
  auto b = Output(kUsccB, "P2", 2024, 3, 200'00);
  b.partition = 7;
  b.offset = 41;
  ASSERT_TRUE(aggregator_.ProcessBatch({a, b, Output(kUsccA, "P1", 2024, 4, 100'00)}).ok());
  auto offsets = StoredOffsets(store_);
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  const std::map<kafka::TopicPartition, int64_t> want = {{{topics_.reports, 0}, 3},
                                                          {{topics_.reports, 7}, 42}};
  EXPECT_EQ(*offsets, want);
  EXPECT_EQ(**aggregator_.StoredOffset({topics_.reports, 7}), 42);
}

// A higher revision replaces the earlier value instead of adding to it.
TEST_F(AggregatorTest, RevisionReplacesEarlierValue) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00)}).ok());
  auto r = aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 130'00, 2, "s2", 2000)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 1);
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 130'00);
  EXPECT_EQ(Published("P1|2024-03").month().output_reporters(), 1);
}

// An older revision arriving after a newer one changes nothing.
TEST_F(AggregatorTest, OlderRevisionAfterNewerIsStale) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 130'00, 2, "s2")}).ok());
  auto r = aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00, 1, "s1", 5000)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stale, 1);
  EXPECT_EQ(r->applied, 0);
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 130'00);
}

// The same record from the same submission (a retried push) is a no-op.
TEST_F(AggregatorTest, DuplicateFromSameSubmissionIsNoOp) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00)}).ok());
  producer_.Clear_ForTest();
  auto r = aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00, 1, "s1", 9000)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->duplicates, 1);
  EXPECT_EQ(r->snapshots_published, 0);
  EXPECT_TRUE(producer_.sent_ForTest().empty());
}

// Equal revision from a later submission wins; from an earlier one it is stale.
TEST_F(AggregatorTest, EqualRevisionLaterSubmissionWins) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00, 1, "s1", 1000)})
                  .ok());
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 90'00, 1, "s2", 2000)})
                  .ok());
  auto r = aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 80'00, 1, "s0", 500)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stale, 1);
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 90'00);
}

// Year-to-date reports become month values; a late earlier period re-derives the later one.
TEST_F(AggregatorTest, YearToDateDerivationAndLateReport) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 4, 700'00, 1, "s1", 1000,
                                               true)})
                  .ok());
  // Without March, April's year-to-date is all that is known of the year.
  EXPECT_EQ(Published("P1|2024-04").month().gross_output().fen(), 700'00);
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 300'00, 1, "s2", 1000,
                                               true)})
                  .ok());
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 300'00);
  EXPECT_EQ(Published("P1|2024-04").month().gross_output().fen(), 400'00);
  EXPECT_EQ(Published("P1|2024-04").year_to_date().gross_output().fen(), 700'00);
}

// Month values cumulate into year to date across the combined January–February period.
TEST_F(AggregatorTest, JanFebCombinedCumulates) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 2, 200'00, 1, "s1", 1000,
                                               false, "3041", true),
                                        Output(kUsccA, "P1", 2024, 3, 150'00)})
                  .ok());
  EXPECT_EQ(Published("P1|2024-01/02").month().gross_output().fen(), 200'00);
  EXPECT_EQ(Published("P1|2024-03").year_to_date().gross_output().fen(), 350'00);
}

// A revision that moves an enterprise to another park and industry moves its figures.
TEST_F(AggregatorTest, RevisionMovesEnterpriseBetweenParks) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00)}).ok());
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P2", 2024, 3, 100'00, 2, "s2", 2000,
                                               false, "3051")})
                  .ok());
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 0);
  EXPECT_EQ(Published("P1|2024-03").month().output_reporters(), 0);
  EXPECT_EQ(Published("P1|2024-03").industries_size(), 0);
  EXPECT_EQ(Published("P2|2024-03").month().gross_output().fen(), 100'00);
  EXPECT_EQ(Published("P2|2024-03").industries(0).industry(), "3051");
}

// A revision that moves an enterprise to another industry of the same park moves its
// figures between the park's industries; the park total is unchanged.
TEST_F(AggregatorTest, RevisionMovesEnterpriseBetweenIndustries) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00),
                                        Output(kUsccB, "P1", 2024, 3, 40'00)})
                  .ok());
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00, 2, "s2", 2000,
                                               false, "3051")})
                  .ok());
  const auto snap = Published("P1|2024-03");
  EXPECT_EQ(snap.month().gross_output().fen(), 140'00);
  EXPECT_EQ(snap.month().output_reporters(), 2);
  ASSERT_EQ(snap.industries_size(), 2);
  EXPECT_EQ(snap.industries(0).industry(), "3051");
  EXPECT_EQ(snap.industries(0).month().gross_output().fen(), 100'00);
  EXPECT_EQ(snap.industries(1).industry(), "3041");
  EXPECT_EQ(snap.industries(1).month().gross_output().fen(), 40'00);
}

// A registry correction moves the periods it names, already reported, to the corrected
// park; the periods outside its range stay; the year to date follows each period's park.
TEST_F(AggregatorTest, CorrectionMovesReportedPeriodsItNames) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00),
                                        Output(kUsccA, "P1", 2024, 4, 200'00),
                                        Output(kUsccA, "P1", 2024, 5, 300'00),
                                        Output(kUsccB, "P1", 2024, 4, 50'00)})
                  .ok());
  auto r = aggregator_.ProcessBatch({Correction(kUsccA, "P2", "", 2024, 3, 2024, 4)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Published("P1|2024-03").month().output_reporters(), 0);
  EXPECT_EQ(Published("P2|2024-03").month().gross_output().fen(), 100'00);
  EXPECT_EQ(Published("P1|2024-04").month().gross_output().fen(), 50'00);
  EXPECT_EQ(Published("P2|2024-04").month().gross_output().fen(), 200'00);
  EXPECT_EQ(Published("P2|2024-04").year_to_date().gross_output().fen(), 300'00);
  // May is outside the correction: still in P1, its year to date over the whole year.
  EXPECT_EQ(Count("P1|2024-05"), 1);
  EXPECT_EQ(Published("P1|2024-05").year_to_date().gross_output().fen(), 600'00);
  EXPECT_EQ(Count("P2|2024-05"), 0);
}

// A correction outranks the placement of reports of its periods that arrive afterwards
// (a late report or a revision stamped with the old park), and only of those periods.
TEST_F(AggregatorTest, CorrectionAppliesToLaterReportsOfItsPeriods) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00)}).ok());
  ASSERT_TRUE(aggregator_.ProcessBatch({Correction(kUsccA, "P2", "3051", 2024, 1, 2024, 6)})
                  .ok());
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 150'00, 2, "s2", 2000),
                                        Output(kUsccA, "P1", 2024, 5, 70'00, 1, "s3", 3000),
                                        Output(kUsccA, "P1", 2024, 7, 10'00, 1, "s4", 4000)})
                  .ok());
  EXPECT_EQ(Published("P2|2024-03").month().gross_output().fen(), 150'00);
  EXPECT_EQ(Published("P2|2024-03").industries(0).industry(), "3051");
  EXPECT_EQ(Published("P2|2024-05").month().gross_output().fen(), 70'00);
  EXPECT_EQ(Count("P1|2024-05"), 0);
  EXPECT_EQ(Published("P1|2024-07").month().gross_output().fen(), 10'00);
  EXPECT_EQ(Published("P1|2024-07").industries(0).industry(), "3041");
  EXPECT_EQ(Published("P1|2024-03").month().output_reporters(), 0);
}

// An industry-only correction keeps each period's park; a later correction of the same
// periods wins; a correction of an enterprise never reported changes nothing yet.
TEST_F(AggregatorTest, LaterCorrectionWinsFieldByField) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Correction(kUsccB, "P9", "", 2024, 1),
                                        Output(kUsccA, "P1", 2024, 3, 100'00)})
                  .ok());
  EXPECT_EQ(Count("P9|2024-03"), 0);
  ASSERT_TRUE(aggregator_.ProcessBatch({Correction(kUsccA, "", "3051", 2024, 3),
                                        Correction(kUsccA, "", "2710", 2024, 3, 2024, 3)})
                  .ok());
  const auto snap = Published("P1|2024-03");
  EXPECT_EQ(snap.month().gross_output().fen(), 100'00);
  ASSERT_EQ(snap.industries_size(), 1);
  EXPECT_EQ(snap.industries(0).industry(), "2710");
}

// A correction whose fields ingest would refuse is a dead letter and changes nothing.
TEST_F(AggregatorTest, InvalidCorrectionIsADeadLetter) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00)}).ok());
  auto r = aggregator_.ProcessBatch({Correction(kUsccA, "P2", "", 2024, 5, 2024, 3)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->poison, 1);
  EXPECT_EQ(Count("P2|2024-03"), 0);
  bool dead_letter = false;
  for (const auto& rec : producer_.sent_ForTest()) {
    if (rec.topic != topics_.rejected) continue;
    pb::RejectedRecord rej;
    ASSERT_TRUE(rej.ParseFromString(rec.value));
    EXPECT_EQ(rej.field(), "corrects_to");
    dead_letter = true;
  }
  EXPECT_TRUE(dead_letter);
}

// Revisions of one report inside one batch: the newest wins, whatever the order, and a
// move to another park and back within the batch leaves nothing behind in the other park.
TEST_F(AggregatorTest, RevisionsWithinOneBatch) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00, 1, "s1"),
                                        Output(kUsccA, "P1", 2024, 3, 300'00, 3, "s3", 3000),
                                        Output(kUsccA, "P1", 2024, 3, 200'00, 2, "s2", 2000)})
                  .ok());
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 300'00);
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P2", 2024, 3, 300'00, 4, "s4", 4000),
                                        Output(kUsccA, "P1", 2024, 3, 500'00, 5, "s5", 5000)})
                  .ok());
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 500'00);
  EXPECT_EQ(Published("P1|2024-03").month().output_reporters(), 1);
  for (const auto& r : producer_.sent_ForTest()) {
    EXPECT_NE(r.key, "P2|2024-03") << "P2 never held the contribution at a commit";
  }
}

// The state record of an enterprise-year: one entry per period in period order, with the
// winning report's identity, where it is on the reports topic, and its figures as reported.
TEST_F(AggregatorTest, EnterpriseYearRecordNamesTheWinningReport) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 5, 500'00, 1, "s1", 1000,
                                               true),
                                        Output(kUsccA, "P1", 2024, 3, 300'00, 1, "s1", 1000,
                                               true),
                                        Output(kUsccA, "P1", 2024, 5, 550'00, 2, "s2", 2000,
                                               true)})
                  .ok());
  auto bytes = store_.Get(std::string("y|") + kUsccA + "|o|2024|");
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(bytes->has_value());
  pb::EnterpriseYear ey;
  ASSERT_TRUE(ey.ParseFromString(**bytes));
  ASSERT_EQ(ey.periods_size(), 2);
  EXPECT_EQ(ey.periods(0).period(), "2024-03");
  EXPECT_EQ(ey.periods(0).source_offset(), 1);
  const auto& may = ey.periods(1);
  EXPECT_EQ(may.period(), "2024-05");
  EXPECT_EQ(may.revision(), 2);
  EXPECT_EQ(may.submission_id(), "s2");
  EXPECT_EQ(may.received_unix_ms(), 2000);
  EXPECT_EQ(may.source_partition(), 0);
  EXPECT_EQ(may.source_offset(), 2);
  EXPECT_TRUE(may.ytd_basis());
  EXPECT_EQ(may.reported(0), 550'00);
  EXPECT_EQ(may.park_id(), "P1");
  // What the aggregates hold is the record's derivation: 550 - 300 (April not reported).
  EXPECT_EQ(Published("P1|2024-05").month().gross_output().fen(), 250'00);
  EXPECT_EQ(Published("P1|2024-05").year_to_date().gross_output().fen(), 550'00);
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 300'00);
}

// A state record that is not an EnterpriseYear stops the batch with DATA_LOSS, commits
// nothing and publishes nothing.
TEST_F(AggregatorTest, CorruptStateRecordIsDataLoss) {
  store::Batch b;
  b.Put(std::string("y|") + kUsccA + "|o|2024|", std::string("\xff\xff\xff", 3));
  ASSERT_TRUE(store_.Write(b).ok());
  auto r = aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr(kUsccA));
  EXPECT_TRUE(producer_.sent_ForTest().empty());
  auto offset = aggregator_.StoredOffset({topics_.reports, 0});
  ASSERT_TRUE(offset.ok());
  EXPECT_FALSE(offset->has_value());
}

// Undecodable bytes go to the rejected topic with the reason and do not stop the batch.
TEST_F(AggregatorTest, PoisonMessageGoesToRejectedTopic) {
  auto r = aggregator_.ProcessBatch({Raw("\xff\xff not a protobuf"),
                                     Output(kUsccA, "P1", 2024, 3, 100'00)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->poison, 1);
  EXPECT_EQ(r->applied, 1);
  int rejected = 0;
  for (const auto& rec : producer_.sent_ForTest()) {
    if (rec.topic != topics_.rejected) continue;
    ++rejected;
    pb::RejectedRecord rej;
    ASSERT_TRUE(rej.ParseFromString(rec.value));
    EXPECT_EQ(rej.reason(), "value is not a clusterwatch.v1.ReportEnvelope protobuf");
    EXPECT_EQ(rej.source_offset(), 0);
    EXPECT_EQ(rec.key, topics_.reports + "|0|0");
  }
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 100'00);
}

// A failed store write commits nothing (no state, no offsets); the retry then applies once.
TEST_F(AggregatorTest, StoreFaultCommitsNothingAndRetrySucceeds) {
  store_.SetWriteFaultForTest(absl::ResourceExhaustedError("disk full"));
  std::vector<kafka::Message> batch = {Output(kUsccA, "P1", 2024, 3, 100'00)};
  auto r = aggregator_.ProcessBatch(batch);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store_.size_ForTest(), 0u);
  EXPECT_TRUE(producer_.sent_ForTest().empty());
  auto off = aggregator_.StoredOffset({topics_.reports, 0});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->has_value());
  store_.SetWriteFaultForTest(absl::OkStatus());
  r = aggregator_.ProcessBatch(batch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 1);
  EXPECT_EQ(Published("P1|2024-03").month().gross_output().fen(), 100'00);
}

// Firms are listed per park-period, and a revision moving a firm moves its entry too.
TEST_F(AggregatorTest, FirmsFollowTheirLatestReport) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00),
                                        Output(kUsccB, "P1", 2024, 3, 40'00)})
                  .ok());
  auto snap = Published("P1|2024-03");
  ASSERT_EQ(snap.firms_size(), 2);
  EXPECT_EQ(snap.firms(0).uscc(), kUsccA);
  EXPECT_EQ(snap.firms(0).gross_output_month().fen(), 100'00);
  EXPECT_EQ(snap.firms(0).industry(), "3041");
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P2", 2024, 3, 100'00, 2, "s2", 2000)})
                  .ok());
  snap = Published("P1|2024-03");
  ASSERT_EQ(snap.firms_size(), 1);
  EXPECT_EQ(snap.firms(0).uscc(), kUsccB);
  EXPECT_EQ(Published("P2|2024-03").firms(0).uscc(), kUsccA);
}

// Firms are stored one record each beside the park aggregate, which holds none; a firm
// that leaves the park-period loses its record.
TEST_F(AggregatorTest, FirmRecordsBesideTheAggregate) {
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P1", 2024, 3, 100'00),
                                        Output(kUsccB, "P1", 2024, 3, 40'00)})
                  .ok());
  auto agg_bytes = store_.Get("a|P1|2024-03");
  ASSERT_TRUE(agg_bytes.ok() && agg_bytes->has_value());
  pb::ParkAggregate agg;
  ASSERT_TRUE(agg.ParseFromString(**agg_bytes));
  EXPECT_EQ(agg.firms_size(), 0);
  EXPECT_EQ(agg.month().gross_output().fen(), 140'00);
  auto firm_bytes = store_.Get(std::string("f|P1|2024-03|") + kUsccA);
  ASSERT_TRUE(firm_bytes.ok() && firm_bytes->has_value());
  pb::FirmTotals firm;
  ASSERT_TRUE(firm.ParseFromString(**firm_bytes));
  EXPECT_EQ(firm.gross_output_month().fen(), 100'00);
  EXPECT_EQ(firm.gross_output_ytd().fen(), 100'00);
  EXPECT_EQ(firm.employees(), 10);
  ASSERT_TRUE(aggregator_.ProcessBatch({Output(kUsccA, "P2", 2024, 3, 100'00, 2, "s2", 2000)})
                  .ok());
  firm_bytes = store_.Get(std::string("f|P1|2024-03|") + kUsccA);
  ASSERT_TRUE(firm_bytes.ok());
  EXPECT_FALSE(firm_bytes->has_value());
  firm_bytes = store_.Get(std::string("f|P2|2024-03|") + kUsccA);
  ASSERT_TRUE(firm_bytes.ok());
  EXPECT_TRUE(firm_bytes->has_value());
}

// Enterprise A's tax report of 2024-03 in park P1 (county 321282), 9 yuan of tax, no
// counterparties yet: the linkage tests add them.
pb::ReportEnvelope LinkageTaxReport() {
  pb::ReportEnvelope env;
  auto* t = env.mutable_tax();
  t->set_uscc(kUsccA);
  t->set_park_id("P1");
  t->set_park_county("321282");
  t->set_industry("3731");
  t->mutable_period()->set_year(2024);
  t->mutable_period()->set_month(3);
  t->set_basis(pb::VALUE_BASIS_MONTH);
  t->mutable_total_tax()->set_fen(9'00);
  t->set_revision(1);
  return env;
}

// Purchases from counterparties are split into in-park and in-region (prefecture) shares.
TEST_F(AggregatorTest, TaxCounterpartiesGiveLinkage) {
  pb::ReportEnvelope env = LinkageTaxReport();
  auto* t = env.mutable_tax();
  auto add = [&](const std::string& park, const std::string& county, int64_t fen) {
    auto* cp = t->add_counterparties();
    // A valid USCC of a seller registered in 320000 (its check character computed).
    const std::string first17 = "91320000000000000";
    cp->set_uscc(first17 + *domain::UsccCheckChar(first17));
    cp->set_park_id(park);
    cp->set_county_code(county);
    cp->mutable_purchases()->set_fen(fen);
  };
  add("P1", "321282", 50'00);   // same park
  add("P7", "321281", 30'00);   // same prefecture 3212, other park
  add("", "", 20'00);           // unregistered: region from the USCC (320000: elsewhere)
  env.mutable_provenance()->set_submission_id("s1");
  ASSERT_TRUE(aggregator_.ProcessBatch({Raw(env.SerializeAsString())}).ok());
  auto m = Published("P1|2024-03").month();
  EXPECT_EQ(m.purchases().fen(), 100'00);
  EXPECT_EQ(m.purchases_in_park().fen(), 50'00);
  EXPECT_EQ(m.purchases_in_region().fen(), 80'00);
  EXPECT_EQ(m.total_tax().fen(), 9'00);
  EXPECT_EQ(m.tax_reporters(), 1);
}

// A purchase from the buyer itself is no linkage: not in the park's purchases, nor in park.
TEST_F(AggregatorTest, SelfPurchaseIsNotInParkLinkage) {
  pb::ReportEnvelope env = LinkageTaxReport();
  auto* t = env.mutable_tax();
  auto* self = t->add_counterparties();
  self->set_uscc(kUsccA);
  self->set_park_id("P1");
  self->set_county_code("321282");
  self->mutable_purchases()->set_fen(70'00);
  auto* other = t->add_counterparties();
  other->set_uscc(kUsccB);
  other->set_park_id("P1");
  other->set_county_code("321282");
  other->mutable_purchases()->set_fen(30'00);
  env.mutable_provenance()->set_submission_id("s1");
  ASSERT_TRUE(aggregator_.ProcessBatch({Raw(env.SerializeAsString())}).ok());
  auto m = Published("P1|2024-03").month();
  EXPECT_EQ(m.purchases().fen(), 30'00);
  EXPECT_EQ(m.purchases_in_park().fen(), 30'00);
  EXPECT_EQ(m.purchases_in_region().fen(), 30'00);
}

}  // namespace
}  // namespace cw::aggregator
