// Dead letters: what any stage writes to the rejected topic for a message it cannot use.
// Keyed by the message's identity (topic|partition|offset), so a replay rewrites the same
// key rather than adding one (the rejected topic is compacted). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "clusterwatch/v1/reports.pb.h"

namespace cw::domain {

std::string DeadLetterKey(const std::string& topic, int32_t partition, int64_t offset);

clusterwatch::v1::RejectedRecord DeadLetter(const std::string& stage, const std::string& reason,
                                            const std::string& topic, int32_t partition,
                                            int64_t offset, const std::string& raw);

}  // namespace cw::domain
