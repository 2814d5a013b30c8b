#include "common/domain/dead_letter.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/domain/csv.h"

namespace cw::domain {
namespace {

// `text` with every byte that is not part of a valid UTF-8 sequence written as \xNN.
std::string EscapeInvalidUtf8(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + len <= text.size() && IsValidUtf8(text.substr(i, len))) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string DeadLetterKey(const std::string& topic, int32_t partition, int64_t offset) {
  return absl::StrCat(topic, "|", partition, "|", offset);
}

clusterwatch::v1::RejectedRecord DeadLetter(const std::string& stage, const std::string& reason,
                                            const std::string& topic, int32_t partition,
                                            int64_t offset, const std::string& raw) {
  clusterwatch::v1::RejectedRecord rej;
  rej.set_stage(stage);
  // A reason quotes what it refused, and a refused value may cut a UTF-8 sequence (or hold
  // none): RejectedRecord.reason is a proto3 string, so such bytes are written as \xNN
  // rather than as bytes that no reader could parse.
  rej.set_reason(IsValidUtf8(reason) ? reason : EscapeInvalidUtf8(reason));
  rej.set_raw(raw);
  rej.set_source_topic(topic);
  rej.set_source_partition(partition);
  rej.set_source_offset(offset);
  return rej;
}

}  // namespace cw::domain
