// Acting on alerts through Prometheus Alertmanager (API v2): a silence of one alert
// (matcher alert_id = the alert's id, the label the alerter sends), either for a given
// duration (`clusterctl alerts silence`) or as an acknowledgement (`clusterctl alerts ack`:
// a silence whose comment starts with "ACK" and that lasts until it is expired). Alertmanager
// keeps each silence with its author (createdBy) and comment: that is the record of who
// silenced or acknowledged what, listed by `amtool silence query` or GET /api/v2/silences.
// Pure; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cw::cli {

struct SilenceRequest {
  std::string alert_id;    // "<rule>|<subject kind>:<subject id>|<first period>"
  absl::Time starts;
  absl::Duration duration;
  std::string created_by;  // who
  std::string comment;     // why
};

// The JSON body of POST /api/v2/silences. kInvalidArgument, naming the field, when the
// alert id is not "<rule>|<kind>:<subject>|<period>", the duration is not positive, or
// created_by or comment is empty (Alertmanager requires both).
absl::StatusOr<std::string> SilenceBody(const SilenceRequest& request);

// The silence id in Alertmanager's answer ({"silenceID":"..."}); kInvalidArgument quoting
// the answer when it has none.
absl::StatusOr<std::string> SilenceIdOf(const std::string& answer);

}  // namespace cw::cli
