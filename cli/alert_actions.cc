// Alertmanager silences. See alert_actions.h.
#include "cli/alert_actions.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cw::cli {
namespace {

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

bool LooksLikeAlertId(const std::string& id) {
  const size_t bar = id.find('|');
  if (bar == 0 || bar == std::string::npos) return false;
  const size_t colon = id.find(':', bar + 1);
  const size_t last = id.rfind('|');
  return colon != std::string::npos && last > colon + 1 && last + 1 < id.size();
}

}  // namespace

absl::StatusOr<std::string> SilenceBody(const SilenceRequest& r) {
  if (!LooksLikeAlertId(r.alert_id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--id '", r.alert_id,
        "' is not an alert id (expected <rule>|<subject kind>:<subject id>|<first period>, "
        "e.g. dependency|park:P321282A|2024-03, as `clusterctl alerts list` shows)"));
  }
  if (r.duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--duration ", absl::FormatDuration(r.duration), " is not positive (e.g. 2h, 30m)"));
  }
  if (r.created_by.empty()) {
    return absl::InvalidArgumentError("--by is empty (who silences: Alertmanager records it)");
  }
  if (r.comment.empty()) {
    return absl::InvalidArgumentError("--comment is empty (why: Alertmanager records it)");
  }
  google::protobuf::Struct silence;
  auto& f = *silence.mutable_fields();
  auto* matcher = f["matchers"].mutable_list_value()->add_values()->mutable_struct_value();
  (*matcher->mutable_fields())["name"].set_string_value("alert_id");
  (*matcher->mutable_fields())["value"].set_string_value(r.alert_id);
  (*matcher->mutable_fields())["isRegex"].set_bool_value(false);
  (*matcher->mutable_fields())["isEqual"].set_bool_value(true);
  f["startsAt"].set_string_value(Rfc3339(r.starts));
  f["endsAt"].set_string_value(Rfc3339(r.starts + r.duration));
  f["createdBy"].set_string_value(r.created_by);
  f["comment"].set_string_value(r.comment);
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(silence, &json);
  return json;
}

absl::StatusOr<std::string> SilenceIdOf(const std::string& answer) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(answer, &s).ok() ||
      !s.fields().contains("silenceID") || s.fields().at("silenceID").string_value().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Alertmanager's answer has no silenceID: ", answer));
  }
  return s.fields().at("silenceID").string_value();
}

}  // namespace cw::cli
