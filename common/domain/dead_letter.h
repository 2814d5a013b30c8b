// Dead letters: what any stage writes to the rejected topic for a message it cannot use.
// Keyed by the message's identity (topic|partition|offset), so a replay rewrites the same
// key rather than adding one (the rejected topic is compacted). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "clusterwatch/v1/reports.pb.h"

namespace cw::domain {

std::string DeadLetterKey(const std::string& topic, int32_t partition, int64_t offset);

// `reason` is kept as it is when it is valid UTF-8; otherwise its bytes that are not UTF-8
// are written as \xNN; `raw`
// keeps the message's bytes (a bytes field).
clusterwatch::v1::RejectedRecord DeadLetter(const std::string& stage, const std::string& reason,
                                            const std::string& topic, int32_t partition,
                                            int64_t offset, const std::string& raw);

}  // namespace cw::domain
