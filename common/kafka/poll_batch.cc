#include "common/kafka/poll_batch.h"

#include <algorithm>
#include <utility>

namespace cw::kafka {

void PollBatch::Revoked(const std::vector<TopicPartition>& partitions) {
  std::erase_if(messages_, [&](const Message& m) {
    return std::find(partitions.begin(), partitions.end(),
                     TopicPartition{m.topic, m.partition}) != partitions.end();
  });
}

std::vector<Message> PollBatch::Take() { return std::exchange(messages_, {}); }

}  // namespace cw::kafka
