// Tests of the StageRunner with fakes (consumer, transactional producer, store), driven
// step by step on the test's thread: outputs and offsets commit together and the state only
// after them; an aborted (fenced) transaction leaves nothing and is redone; a partition
// below the group's committed offset is replayed as state only; a revocation abandons the
// open transaction; a store fault after a commit replays up to it silently.
#include "aggregator/stage_runner.h"

#include "aggregator/enterprise_stage.h"
#include "clusterwatch/v1/reports.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/kafka/fake_consumer.h"
#include "common/kafka/fake_transactional_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"

namespace cw::aggregator {
namespace {
namespace pb = clusterwatch::v1;

const kafka::TopicPartition kP0{"cw.reports.v1", 0};

// An output report of one enterprise for month 1 + offset of 2024, at `offset`.
kafka::Message Report(int64_t offset, int64_t gross_fen) {
  pb::ReportEnvelope env;
  auto* r = env.mutable_output();
  r->set_uscc("91110000600037341L");
  r->set_park_id("P1");
  r->set_industry("3041");
  r->mutable_period()->set_year(2024);
  r->mutable_period()->set_month(static_cast<int>(1 + offset));
  r->set_basis(pb::VALUE_BASIS_MONTH);
  r->mutable_gross_output()->set_fen(gross_fen);
  r->set_revision(1);
  env.mutable_provenance()->set_submission_id("s");
  return {kP0.topic, kP0.partition, offset, "91110000600037341L", env.SerializeAsString(), 0};
}

class StageRunnerTest : public ::testing::Test {
 protected:
  StageRunnerTest()
      : stage_metrics_(registry_),
        stage_(kafka::Topics(), 6, stage_metrics_),
        runner_metrics_(registry_, "enterprise", "reports"),
        runner_("enterprise", consumer_, producer_, store_, stage_, runner_metrics_,
                Options()) {
    consumer_.SetAssignmentForTest({kP0});
  }
  static StageRunnerOptions Options() {
    StageRunnerOptions o;
    o.commit_interval = absl::Hours(1);  // commits when a poll is empty
    o.max_backoff = absl::Milliseconds(1);
    return o;
  }
  // The periods ("2024-03", ...) of the committed contributions, in order.
  std::vector<std::string> CommittedPeriods() const {
    std::vector<std::string> out;
    for (const auto& r : producer_.committed_ForTest()) {
      pb::ContributionUpdate u;
      EXPECT_TRUE(u.ParseFromString(r.value));
      out.push_back(u.period());
    }
    return out;
  }
  std::optional<std::string> Stored(const std::string& key) {
    auto v = store_.Get(key);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : std::nullopt;
  }

  store::MemoryStore store_;
  kafka::FakeConsumer consumer_;
  kafka::FakeTransactionalProducer producer_;
  prometheus::Registry registry_;
  EnterpriseStageMetrics stage_metrics_;
  EnterpriseStage stage_;
  StageRunnerMetrics runner_metrics_;
  StageRunner runner_;
};

// The transaction holds the batch's contributions and offsets; the store is written only
// once it committed, with the same offsets.
TEST_F(StageRunnerTest, OutputsAndOffsetsCommitTogetherThenTheState) {
  consumer_.AddBatchForTest({Report(0, 100), Report(1, 200)});
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_TRUE(producer_.open_ForTest());
  EXPECT_TRUE(producer_.committed_ForTest().empty());
  EXPECT_EQ(Stored(OffsetKey(kP0)), std::nullopt);  // nothing before the commit
  ASSERT_TRUE(runner_.Step().ok());                  // empty poll: idle, commits
  EXPECT_FALSE(producer_.open_ForTest());
  EXPECT_EQ(CommittedPeriods(), (std::vector<std::string>{"2024-01", "2024-02"}));
  EXPECT_EQ(consumer_.committed_ForTest(), (std::map<kafka::TopicPartition, int64_t>{{kP0, 2}}));
  EXPECT_EQ(Stored(OffsetKey(kP0)), "2");
  EXPECT_TRUE(Stored("y|91110000600037341L|o|2024|").has_value());
  EXPECT_TRUE(runner_.healthy());
}

// A transaction the broker aborted (as for a zombie whose group generation is stale) leaves
// no output, no group offset and no state; every assigned partition is rewound to the store
// and the redelivered messages are then applied once.
TEST_F(StageRunnerTest, AbortedTransactionLeavesNothingAndIsRedone) {
  consumer_.AddBatchForTest({Report(0, 100), Report(1, 200)});
  ASSERT_TRUE(runner_.Step().ok());
  producer_.FailNextCommitForTest(absl::AbortedError("fenced: stale generation"));
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_TRUE(producer_.committed_ForTest().empty());
  EXPECT_EQ(producer_.aborted_ForTest(), 1);
  EXPECT_TRUE(consumer_.committed_ForTest().empty());
  EXPECT_EQ(Stored(OffsetKey(kP0)), std::nullopt);
  EXPECT_EQ(Stored("y|91110000600037341L|o|2024|"), std::nullopt);
  EXPECT_FALSE(runner_.healthy());
  ASSERT_EQ(consumer_.seeks_ForTest().size(), 1u);
  EXPECT_EQ(consumer_.seeks_ForTest()[0], (std::map<kafka::TopicPartition, int64_t>{{kP0, -2}}));
  // The consumer delivers the same messages again.
  consumer_.AddBatchForTest({Report(0, 100), Report(1, 200)});
  ASSERT_TRUE(runner_.Step().ok());
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_EQ(CommittedPeriods(), (std::vector<std::string>{"2024-01", "2024-02"}));
  EXPECT_EQ(consumer_.committed_ForTest().at(kP0), 2);
  EXPECT_TRUE(runner_.healthy());
}

// A partition assigned with the group's offset beyond the store's (another instance
// committed up to there) is replayed as state only up to that offset: what it produced then
// was committed by the other instance. From there on it emits, and only the emitted offsets
// go to the group (never backwards).
TEST_F(StageRunnerTest, ReplaysSilentlyUpToTheGroupsCommittedOffset) {
  consumer_.SetCommittedForTest({{kP0, 2}});
  runner_.OnAssigned({kP0});
  consumer_.AddBatchForTest({Report(0, 100), Report(1, 200)});
  ASSERT_TRUE(runner_.Step().ok());
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_TRUE(CommittedPeriods().empty());
  EXPECT_EQ(consumer_.committed_ForTest().at(kP0), 2);  // unchanged
  EXPECT_EQ(Stored(OffsetKey(kP0)), "2");
  consumer_.AddBatchForTest({Report(2, 300)});
  ASSERT_TRUE(runner_.Step().ok());
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_EQ(CommittedPeriods(), (std::vector<std::string>{"2024-03"}));
  EXPECT_EQ(consumer_.committed_ForTest().at(kP0), 3);
  // The replayed months are in the state: the enterprise-year holds all three.
  pb::EnterpriseYear ey;
  ASSERT_TRUE(ey.ParseFromString(*Stored("y|91110000600037341L|o|2024|")));
  EXPECT_EQ(ey.periods_size(), 3);
}

// Partitions revoked while a transaction is open: all of it is dropped (its new owner starts
// from the group's offsets) and the partitions kept are rewound to the store.
TEST_F(StageRunnerTest, RevocationAbandonsTheOpenTransaction) {
  consumer_.AddBatchForTest({Report(0, 100)});
  ASSERT_TRUE(runner_.Step().ok());
  ASSERT_TRUE(producer_.open_ForTest());
  runner_.OnRevoked({kP0});  // as from inside the next poll
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_FALSE(producer_.open_ForTest());
  EXPECT_EQ(producer_.aborted_ForTest(), 1);
  EXPECT_TRUE(producer_.committed_ForTest().empty());
  EXPECT_EQ(Stored(OffsetKey(kP0)), std::nullopt);
  EXPECT_EQ(consumer_.seeks_ForTest().size(), 1u);
}

// The store refuses the write after Kafka committed the transaction: the outputs stay
// committed once; the redelivered messages are replayed as state only, up to the committed
// offset, and then the store catches up.
TEST_F(StageRunnerTest, StoreFaultAfterCommitReplaysSilently) {
  consumer_.AddBatchForTest({Report(0, 100), Report(1, 200)});
  ASSERT_TRUE(runner_.Step().ok());
  store_.SetWriteFaultForTest(absl::ResourceExhaustedError("disk full"));
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_EQ(CommittedPeriods().size(), 2u);
  EXPECT_EQ(Stored(OffsetKey(kP0)), std::nullopt);
  EXPECT_FALSE(runner_.healthy());
  store_.SetWriteFaultForTest(absl::OkStatus());
  consumer_.AddBatchForTest({Report(0, 100), Report(1, 200)});
  ASSERT_TRUE(runner_.Step().ok());
  ASSERT_TRUE(runner_.Step().ok());
  EXPECT_EQ(CommittedPeriods().size(), 2u);  // nothing produced twice
  EXPECT_EQ(Stored(OffsetKey(kP0)), "2");
  EXPECT_TRUE(Stored("y|91110000600037341L|o|2024|").has_value());
  EXPECT_TRUE(runner_.healthy());
}

}  // namespace
}  // namespace cw::aggregator
