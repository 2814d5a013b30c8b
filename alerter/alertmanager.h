// Prometheus Alertmanager as a notification channel: alert notifications in the body of
// Alertmanager's API v2 (`POST /api/v2/alerts`, a JSON array of postable alerts), sent by
// a WebhookSender (webhook.h: queue, retries) whose url is <alertmanager>/api/v2/alerts.
// Grouping, inhibition, silences and receivers (email, WeCom/DingTalk webhooks) are then
// Alertmanager's configuration (deploy/alertmanager/alertmanager.yml).
//
// Labels identify the alert (alertname = the rule, alert_id, subject_kind, subject_id,
// park, kind, severity, service="clusterwatch"); annotations carry the texts (summary =
// explanation_zh, description = explanation_en, subject, period, latest_period). A firing
// alert is sent with endsAt = now + `ttl`, and the alerter re-sends open notified alerts
// at every periodic evaluation (as Prometheus does), so an alerter that stops lets them
// resolve; a resolved alert is sent with endsAt = the time it resolved. Pending alerts are
// not sent (Alertmanager has no pending state).
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "clusterwatch/v1/alerts.pb.h"

namespace cw::alerter {

// The JSON body (an array of one postable alert) for `event` at `now`.
// REQUIRES: event.state() is firing or resolved.
std::string AlertmanagerBody(const clusterwatch::v1::AlertEvent& event, absl::Time now,
                             absl::Duration ttl);

// "<base>/api/v2/alerts" for a base URL such as "http://127.0.0.1:9093" (a trailing '/'
// is dropped).
std::string AlertmanagerAlertsUrl(std::string base);

}  // namespace cw::alerter
