// What monitoring staff do about an alert — acknowledge it, silence it, comment on it — as
// one record (clusterwatch.v1.AlertAction) that the query service stores on
// cw.alert-actions.v1 and lists with the alert. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "clusterwatch/v1/query.pb.h"

namespace cw::alerts {

inline constexpr size_t kMaxActionCommentBytes = 2000;
inline constexpr int64_t kMaxActionMillis = int64_t{90} * 24 * 3600 * 1000;  // 90 days

// The action `by` (the authenticated caller) asks for at `now_unix_ms`, or kInvalidArgument
// naming the field and what was expected:
//   alert_id     required, "<rule>|<subject kind>:<subject id>|<first period>";
//   kind         ACKNOWLEDGE, SILENCE or COMMENT;
//   comment      required, UTF-8, at most kMaxActionCommentBytes bytes;
//   until_unix_ms  acknowledge/silence: after now and at most 90 days ahead; comment: 0;
//   silence_id   at most 100 bytes, without spaces; not for a comment.
// Whether the alert exists is the caller's to check (it needs the store).
absl::StatusOr<clusterwatch::v1::AlertAction> NewAlertAction(
    const clusterwatch::v1::RecordAlertActionRequest& request, const std::string& by,
    int64_t now_unix_ms);

// "acknowledged", "silenced", "commented".
std::string ActionVerb(clusterwatch::v1::AlertActionKind kind);

}  // namespace cw::alerts
