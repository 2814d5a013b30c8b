#include "common/alerts/action.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/domain/csv.h"

namespace cw::alerts {
namespace pb = clusterwatch::v1;

namespace {

absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// "<rule>|<subject kind>:<subject id>|<first period>", each part non-empty.
bool IsAlertId(const std::string& id) {
  std::vector<std::string> parts = absl::StrSplit(id, '|');
  if (parts.size() != 3) return false;
  for (const auto& p : parts) {
    if (p.empty()) return false;
  }
  const auto colon = parts[1].find(':');
  return colon != std::string::npos && colon > 0 && colon + 1 < parts[1].size();
}

}  // namespace

absl::StatusOr<pb::AlertAction> NewAlertAction(const pb::RecordAlertActionRequest& r,
                                               const std::string& by, int64_t now_unix_ms) {
  if (r.alert_id().empty()) return Invalid("alert_id", "required");
  if (!IsAlertId(r.alert_id())) {
    return Invalid("alert_id", absl::StrCat("'", r.alert_id(),
                                            "' is not <rule>|<subject kind>:<subject id>|"
                                            "<first period> (as ListAlerts gives it)"));
  }
  const bool timed = r.kind() == pb::ALERT_ACTION_KIND_ACKNOWLEDGE ||
                     r.kind() == pb::ALERT_ACTION_KIND_SILENCE;
  if (!timed && r.kind() != pb::ALERT_ACTION_KIND_COMMENT) {
    return Invalid("kind", "expected ACKNOWLEDGE, SILENCE or COMMENT");
  }
  if (r.comment().empty()) return Invalid("comment", "required: what was done and why");
  if (r.comment().size() > kMaxActionCommentBytes) {
    return Invalid("comment", absl::StrCat(r.comment().size(), " bytes; at most ",
                                           kMaxActionCommentBytes));
  }
  if (!domain::IsValidUtf8(r.comment())) return Invalid("comment", "not UTF-8");
  if (timed) {
    if (r.until_unix_ms() <= now_unix_ms) {
      return Invalid("until_unix_ms", absl::StrCat(r.until_unix_ms(), " is not after now (",
                                                   now_unix_ms, ")"));
    }
    if (r.until_unix_ms() - now_unix_ms > kMaxActionMillis) {
      return Invalid("until_unix_ms", "more than 90 days ahead");
    }
  } else {
    if (r.until_unix_ms() != 0) return Invalid("until_unix_ms", "a comment has no end: 0");
    if (!r.silence_id().empty()) return Invalid("silence_id", "a comment has no silence");
  }
  if (r.silence_id().size() > 100 || r.silence_id().find_first_of(" \t\r\n") != std::string::npos) {
    return Invalid("silence_id", "at most 100 bytes, no spaces");
  }
  pb::AlertAction a;
  a.set_alert_id(r.alert_id());
  a.set_kind(r.kind());
  a.set_by(by);
  a.set_comment(r.comment());
  a.set_at_unix_ms(now_unix_ms);
  a.set_until_unix_ms(r.until_unix_ms());
  a.set_silence_id(r.silence_id());
  return a;
}

std::string ActionVerb(pb::AlertActionKind kind) {
  switch (kind) {
    case pb::ALERT_ACTION_KIND_ACKNOWLEDGE:
      return "acknowledged";
    case pb::ALERT_ACTION_KIND_SILENCE:
      return "silenced";
    case pb::ALERT_ACTION_KIND_COMMENT:
      return "commented";
    default:
      return "acted on";
  }
}

}  // namespace cw::alerts
