// The messages of one Consumer::Poll call, while the group may change the assignment under
// it (librdkafka serves rebalance callbacks inside consume()).
//
// A revocation drops what was collected so far for the revoked partitions: those messages
// belong to an assignment that is over, and the partitions' next owner starts from the
// group's offsets. It does not drop what is collected afterwards: a partition revoked and
// assigned back within the same call (a non-minimal rebalance, e.g. after a group
// coordinator failed over) is read again from its new start offset, and those messages must
// reach the caller, because the consumer's position is already past them.
#pragma once

#include <vector>

#include "common/kafka/kafka.h"

namespace cw::kafka {

class PollBatch {
 public:
  void Add(Message m) { messages_.push_back(std::move(m)); }
  // The partitions were revoked: forget what was collected for them until now.
  void Revoked(const std::vector<TopicPartition>& partitions);
  size_t size() const { return messages_.size(); }
  bool empty() const { return messages_.empty(); }
  // The batch (and a new empty one in its place).
  std::vector<Message> Take();

 private:
  std::vector<Message> messages_;
};

}  // namespace cw::kafka
