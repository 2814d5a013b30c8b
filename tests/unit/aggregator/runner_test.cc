// Tests of the Runner: a storage fault holds consumption (unhealthy, nothing committed) and
// the same batch commits once the fault clears.
#include "aggregator/runner.h"

#include <memory>
#include <thread>

#include "clusterwatch/v1/reports.pb.h"
#include "common/kafka/fake_consumer.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "gtest/gtest.h"

namespace cw::aggregator {
namespace {
namespace pb = clusterwatch::v1;

kafka::Message Report(int64_t offset, int64_t gross_fen) {
  pb::ReportEnvelope env;
  auto* r = env.mutable_output();
  r->set_uscc("91110000600037341L");
  r->set_park_id("P1");
  r->set_industry("3041");
  r->mutable_period()->set_year(2024);
  r->mutable_period()->set_month(static_cast<int>(3 + offset));
  r->set_basis(pb::VALUE_BASIS_MONTH);
  r->mutable_gross_output()->set_fen(gross_fen);
  r->set_revision(1);
  env.mutable_provenance()->set_submission_id("s");
  return {"cw.reports.v1", 0, offset, "P1", env.SerializeAsString(), 0};
}

// The runner's collaborators, all fakes.
class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() : metrics_(registry_) {}
  Aggregator& MakeAggregator(AggregatorOptions options = {}) {
    aggregator_ = std::make_unique<Aggregator>(store_, producer_, clock_, kafka::Topics(),
                                               metrics_, options);
    return *aggregator_;
  }
  // How many snapshots of park|period were published.
  int Published(const std::string& key) const {
    int n = 0;
    for (const auto& r : producer_.sent_ForTest()) n += r.key == key ? 1 : 0;
    return n;
  }

  store::MemoryStore store_;
  kafka::FakeProducer producer_;
  kafka::FakeConsumer consumer_;
  obs::FakeClock clock_;
  prometheus::Registry registry_;
  AggregatorMetrics metrics_;
  std::unique_ptr<Aggregator> aggregator_;
};

template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 2000; ++i) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

// While the store refuses writes the runner is unhealthy and stores no offset; when the
// fault clears it commits the held batch exactly once and consumes on.
TEST_F(RunnerTest, StorageFaultHoldsConsumptionUntilCleared) {
  Aggregator& aggregator = MakeAggregator();
  Runner runner(consumer_, aggregator, registry_,
                {.max_batch = 10, .poll_timeout = absl::Milliseconds(1),
                 .max_backoff = absl::Milliseconds(20)});
  store_.SetWriteFaultForTest(absl::ResourceExhaustedError("disk full"));
  consumer_.AddBatchForTest({Report(0, 100)});
  consumer_.AddBatchForTest({Report(1, 200)});
  std::thread t([&] { EXPECT_TRUE(runner.Run().ok()); });
  ASSERT_TRUE(Eventually([&] { return !runner.healthy(); }));
  EXPECT_GE(metrics_.store_errors.Value(), 1);
  const int polls_while_faulty = consumer_.polls_ForTest();
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(consumer_.polls_ForTest(), polls_while_faulty);  // consumption is held
  EXPECT_FALSE(aggregator.StoredOffset({"cw.reports.v1", 0})->has_value());
  store_.SetWriteFaultForTest(absl::OkStatus());
  ASSERT_TRUE(Eventually([&] {
    auto off = aggregator.StoredOffset({"cw.reports.v1", 0});
    return off.ok() && off->has_value() && **off == 2;
  }));
  EXPECT_TRUE(runner.healthy());
  runner.Stop();
  t.join();
  EXPECT_EQ(metrics_.applied.Value(), 2);
  EXPECT_EQ(metrics_.duplicates.Value(), 0);
  EXPECT_EQ((consumer_.committed_ForTest()[{"cw.reports.v1", 0}]), 2);
}

// With a publish interval, what a batch held back is published when the consumer is idle,
// and what is still held back at a clean stop is published before Run returns.
TEST_F(RunnerTest, HeldBackSnapshotsArePublishedWhenIdleAndAtStop) {
  Aggregator& aggregator = MakeAggregator({.publish_interval = absl::Hours(1)});
  {
    Runner runner(consumer_, aggregator, registry_,
                  {.max_batch = 1, .poll_timeout = absl::Milliseconds(1)});
    consumer_.AddBatchForTest({Report(0, 100)});  // published at once: the first publication
    consumer_.AddBatchForTest({Report(1, 200)});  // held back, then published when idle
    std::thread t([&] { EXPECT_TRUE(runner.Run().ok()); });
    ASSERT_TRUE(Eventually([&] { return Published("P1|2024-04") == 1; }));
    EXPECT_EQ(Published("P1|2024-03"), 1);
    EXPECT_EQ(metrics_.unpublished.Value(), 0);
    runner.Stop();
    t.join();
  }
  // Stopped while a batch's snapshot is held back: Run publishes it before returning. The
  // consumer is scripted so the stop comes before any idle poll.
  Runner runner(consumer_, aggregator, registry_,
                {.max_batch = 1, .poll_timeout = absl::Milliseconds(1)});
  ASSERT_TRUE(aggregator.ProcessBatch({Report(2, 300)}).ok());
  EXPECT_EQ(Published("P1|2024-05"), 0);
  EXPECT_EQ(metrics_.unpublished.Value(), 1);
  runner.Stop();
  EXPECT_TRUE(runner.Run().ok());
  EXPECT_EQ(Published("P1|2024-05"), 1);
  EXPECT_EQ(metrics_.unpublished.Value(), 0);
}

// A partition that is not caught up (it came from another instance, or back after a
// restart) publishes nothing while it replays; the moment it is, the runner publishes every
// park-period it marked, once each, with the replayed state. The gauge counts it meanwhile.
TEST_F(RunnerTest, PartitionPublishesOnlyOnceCaughtUp) {
  Aggregator& aggregator = MakeAggregator();
  Runner runner(consumer_, aggregator, registry_,
                {.max_batch = 1, .poll_timeout = absl::Milliseconds(1)});
  auto catching_up = [&] {
    for (const auto& f : registry_.Collect()) {
      if (f.name == "cw_aggregator_partitions_catching_up") return f.metric.at(0).gauge.value;
    }
    return -1.0;
  };
  consumer_.SetAssignmentForTest({{"cw.reports.v1", 0}});
  consumer_.SetBehindForTest({{"cw.reports.v1", 0}});
  consumer_.AddBatchForTest({Report(0, 100)});
  consumer_.AddBatchForTest({Report(1, 200)});
  std::thread t([&] { EXPECT_TRUE(runner.Run().ok()); });
  ASSERT_TRUE(Eventually([&] {
    auto off = aggregator.StoredOffset({"cw.reports.v1", 0});
    return off.ok() && off->has_value() && **off == 2 && consumer_.polls_ForTest() > 4;
  }));
  EXPECT_TRUE(producer_.sent_ForTest().empty());
  EXPECT_EQ(catching_up(), 1);
  consumer_.SetBehindForTest({});
  ASSERT_TRUE(Eventually([&] { return producer_.sent_ForTest().size() == 2; }));
  absl::SleepFor(absl::Milliseconds(20));
  runner.Stop();
  t.join();
  ASSERT_EQ(producer_.sent_ForTest().size(), 2u);
  EXPECT_EQ(producer_.sent_ForTest()[0].key, "P1|2024-03");
  EXPECT_EQ(producer_.sent_ForTest()[1].key, "P1|2024-04");
  EXPECT_EQ(catching_up(), 0);
}

// The path of the CI failure: a batch's snapshot is held back (coalescing), a rebalance
// revokes the partition and hands it straight back to the same instance, which resumes
// after that batch. The held-back park-period must still be published: once the partition
// is caught up again, the runner publishes the dirty marks it left.
TEST_F(RunnerTest, PartitionHandedBackPublishesWhatItHeldBack) {
  Aggregator& aggregator = MakeAggregator({.publish_interval = absl::Hours(1)});
  Runner runner(consumer_, aggregator, registry_,
                {.max_batch = 1, .poll_timeout = absl::Milliseconds(1)});
  consumer_.SetAssignmentForTest({{"cw.reports.v1", 0}});
  consumer_.AddBatchForTest({Report(0, 100)});  // published at once: the first publication
  consumer_.AddBatchForTest({Report(1, 200)});  // held back
  consumer_.AddRebalanceForTest({});            // revoked in the next poll
  consumer_.AddRebalanceForTest({{"cw.reports.v1", 0}});  // and handed straight back
  std::thread t([&] { EXPECT_TRUE(runner.Run().ok()); });
  ASSERT_TRUE(Eventually([&] { return Published("P1|2024-04") == 1; }));
  absl::SleepFor(absl::Milliseconds(20));
  runner.Stop();
  t.join();
  EXPECT_EQ(Published("P1|2024-03"), 1);
  EXPECT_EQ(Published("P1|2024-04"), 1);
  EXPECT_EQ(**aggregator.StoredOffset({"cw.reports.v1", 0}), 2);  // nothing replayed
}

}  // namespace
}  // namespace cw::aggregator
