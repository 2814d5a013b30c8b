#include "common/domain/dead_letter.h"

#include "absl/strings/str_cat.h"

namespace cw::domain {

std::string DeadLetterKey(const std::string& topic, int32_t partition, int64_t offset) {
  return absl::StrCat(topic, "|", partition, "|", offset);
}

clusterwatch::v1::RejectedRecord DeadLetter(const std::string& stage, const std::string& reason,
                                            const std::string& topic, int32_t partition,
                                            int64_t offset, const std::string& raw) {
  clusterwatch::v1::RejectedRecord rej;
  rej.set_stage(stage);
  rej.set_reason(reason);
  rej.set_raw(raw);
  rej.set_source_topic(topic);
  rej.set_source_partition(partition);
  rej.set_source_offset(offset);
  return rej;
}

}  // namespace cw::domain
