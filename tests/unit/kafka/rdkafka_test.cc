// Tests of the librdkafka producer against librdkafka's in-process mock cluster: records
// to interleaved topics are all acknowledged and read back in order per partition.
#include "common/kafka/rdkafka.h"

#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace cw::kafka {
namespace {

class RdKafkaProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = StartMockCluster(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->CreateTopic("reports", 2).ok());
    ASSERT_TRUE(cluster_->CreateTopic("rejected", 1).ok());
    auto producer = NewRdKafkaProducer({cluster_->bootstrap(), {}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    producer_ = std::move(*producer);
  }

  // Every record of `topics`, by topic and key, in partition order.
  std::map<std::string, std::vector<std::string>> ReadBack(std::vector<std::string> topics,
                                                           size_t expected) {
    ConsumerOptions o;
    o.client = {cluster_->bootstrap(), {}};
    o.topics = std::move(topics);
    auto consumer = NewRdKafkaConsumer(o);
    EXPECT_TRUE(consumer.ok()) << consumer.status();
    std::map<std::string, std::vector<std::string>> got;
    size_t n = 0;
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (n < expected && absl::Now() < deadline) {
      auto batch = (*consumer)->Poll(1000, absl::Milliseconds(200));
      if (!batch.ok()) break;
      for (const auto& m : *batch) {
        got[m.topic + "/" + m.key].push_back(m.value);
        ++n;
      }
    }
    return got;
  }

  std::unique_ptr<MockCluster> cluster_;
  std::unique_ptr<Producer> producer_;
};

// Records alternating between two topics (one topic handle each, reused across calls) are
// all acknowledged; per key, values arrive in the order produced.
TEST_F(RdKafkaProducerTest, InterleavedTopicsAllAcknowledgedInOrder) {
  std::vector<OutRecord> records;
  for (int i = 0; i < 200; ++i) {
    records.push_back({"reports", i % 3 == 0 ? "P1" : "P2", "v" + std::to_string(i)});
    if (i % 10 == 0) records.push_back({"rejected", "sub|" + std::to_string(i), "bad"});
  }
  ASSERT_TRUE(producer_->ProduceAll(records, absl::Seconds(20)).ok());
  ASSERT_TRUE(producer_->ProduceAll({{"reports", "P1", "last"}}, absl::Seconds(20)).ok());
  EXPECT_EQ(producer_->delivery_errors(), 0);
  auto got = ReadBack({"reports", "rejected"}, records.size() + 1);
  std::map<std::string, std::vector<std::string>> want;
  for (const auto& r : records) want[r.topic + "/" + r.key].push_back(r.value);
  want["reports/P1"].push_back("last");
  EXPECT_EQ(got, want);
}

// Records by reference (bytes in one caller-owned buffer) are produced like copies.
TEST_F(RdKafkaProducerTest, RecordsByReference) {
  const std::string buffer = "alphabetagamma";
  const std::string_view b = buffer;
  std::vector<OutRecordRef> refs = {{"reports", "P1", b.substr(0, 5)},
                                    {"rejected", "sub|2", b.substr(5, 4)},
                                    {"reports", "P1", b.substr(9)}};
  ASSERT_TRUE(producer_->ProduceAllRefs(refs, absl::Seconds(20)).ok());
  auto got = ReadBack({"reports", "rejected"}, refs.size());
  std::map<std::string, std::vector<std::string>> want = {
      {"reports/P1", {"alpha", "gamma"}}, {"rejected/sub|2", {"beta"}}};
  EXPECT_EQ(got, want);
}

// A record librdkafka refuses to queue (larger than message.max.bytes) fails the call
// with kResourceExhausted (no retry can store it) naming the topic, after the records
// queued before it are settled; the producer goes on working.
TEST_F(RdKafkaProducerTest, RecordNotQueuedFailsTheCall) {
  std::vector<OutRecord> records = {{"reports", "P1", "first"},
                                    {"reports", "P1", std::string(2 << 20, 'x')},
                                    {"reports", "P1", "never queued"}};
  auto s = producer_->ProduceAll(records, absl::Seconds(20));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("kafka produce to reports: "), std::string::npos) << s;
  EXPECT_EQ(producer_->delivery_errors(), 1);
  ASSERT_TRUE(producer_->ProduceAll({{"reports", "P2", "after"}}, absl::Seconds(20)).ok());
  auto got = ReadBack({"reports"}, 2);
  std::map<std::string, std::vector<std::string>> want = {{"reports/P1", {"first"}},
                                                          {"reports/P2", {"after"}}};
  EXPECT_EQ(got, want);
}

// An empty call returns at once.
TEST_F(RdKafkaProducerTest, NothingToProduce) {
  EXPECT_TRUE(producer_->ProduceAll(std::vector<OutRecord>{}, absl::Seconds(1)).ok());
  EXPECT_TRUE(producer_->ProduceAllRefs({}, absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace cw::kafka
