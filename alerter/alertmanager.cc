// Alertmanager API v2 bodies. See alertmanager.h.
#include "alerter/alertmanager.h"

#include <string>

#include "common/domain/totals.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cw::alerter {
namespace pb = clusterwatch::v1;

namespace {

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

void Set(google::protobuf::Struct* s, const std::string& key, const std::string& value) {
  if (!value.empty()) (*s->mutable_fields())[key].set_string_value(value);
}

}  // namespace

std::string AlertmanagerBody(const pb::AlertEvent& e, absl::Time now, absl::Duration ttl) {
  google::protobuf::ListValue list;
  google::protobuf::Struct* alert = list.add_values()->mutable_struct_value();
  google::protobuf::Struct* labels = (*alert->mutable_fields())["labels"].mutable_struct_value();
  Set(labels, "alertname", e.rule());
  Set(labels, "alert_id", e.id());
  Set(labels, "kind", e.kind());
  Set(labels, "subject_kind", e.subject_kind());
  Set(labels, "subject_id", e.subject_id());
  Set(labels, "park", e.park_id());
  Set(labels, "severity", "warning");
  Set(labels, "service", "clusterwatch");
  google::protobuf::Struct* notes =
      (*alert->mutable_fields())["annotations"].mutable_struct_value();
  Set(notes, "summary", e.explanation_zh());
  Set(notes, "description", e.explanation_en());
  Set(notes, "subject", e.subject_name());
  if (e.has_period()) Set(notes, "period", domain::FromProto(e.period()).Key());
  if (e.has_latest_period()) {
    Set(notes, "latest_period", domain::FromProto(e.latest_period()).Key());
  }
  const bool resolved = e.state() == pb::ALERT_STATE_RESOLVED;
  const absl::Time changed = absl::FromUnixMillis(e.changed_unix_ms());
  // Alertmanager keeps the earliest startsAt of an alert it already holds.
  Set(alert, "startsAt", Rfc3339(resolved ? changed - absl::Seconds(1) : changed));
  Set(alert, "endsAt", Rfc3339(resolved ? changed : now + ttl));
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(list, &json);
  return json;
}

std::string AlertmanagerAlertsUrl(std::string base) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/api/v2/alerts";
}

}  // namespace cw::alerter
