// A Poll call's batch across rebalances served inside it: a revocation drops what was read
// before it for the revoked partitions, and keeps what is read after the partition is
// assigned back in the same call (the consumer's position is past those messages; dropping
// them lost reports in the three-broker scale test).
#include "common/kafka/poll_batch.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace cw::kafka {
namespace {

Message M(std::string topic, int32_t partition, int64_t offset) {
  Message m;
  m.topic = std::move(topic);
  m.partition = partition;
  m.offset = offset;
  return m;
}

std::vector<std::string> Positions(const std::vector<Message>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) {
    out.push_back(m.topic + "/" + std::to_string(m.partition) + ":" + std::to_string(m.offset));
  }
  return out;
}

TEST(PollBatchTest, RevocationDropsOnlyWhatWasReadBeforeIt) {
  PollBatch batch;
  batch.Add(M("reports", 3, 5));
  batch.Add(M("reports", 0, 7));
  batch.Add(M("reports", 3, 6));
  batch.Revoked({{"reports", 3}});
  // Assigned back from offset 5 within the same call: read again, and kept.
  batch.Add(M("reports", 3, 5));
  batch.Add(M("reports", 3, 6));
  batch.Add(M("reports", 3, 7));
  EXPECT_EQ(Positions(batch.Take()),
            (std::vector<std::string>{"reports/0:7", "reports/3:5", "reports/3:6",
                                      "reports/3:7"}));
}

TEST(PollBatchTest, RevocationMatchesTopicAndPartition) {
  PollBatch batch;
  batch.Add(M("reports", 1, 1));
  batch.Add(M("contributions", 1, 2));
  batch.Add(M("reports", 2, 3));
  batch.Revoked({{"reports", 1}, {"reports", 9}});
  EXPECT_EQ(batch.size(), 2u);
  EXPECT_EQ(Positions(batch.Take()),
            (std::vector<std::string>{"contributions/1:2", "reports/2:3"}));
}

TEST(PollBatchTest, TakeEmptiesTheBatch) {
  PollBatch batch;
  EXPECT_TRUE(batch.empty());
  batch.Add(M("reports", 0, 1));
  EXPECT_FALSE(batch.empty());
  EXPECT_EQ(batch.Take().size(), 1u);
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(batch.Take().empty());
}

}  // namespace
}  // namespace cw::kafka
