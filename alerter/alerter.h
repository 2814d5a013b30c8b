// The alerter's core: evaluates the decline-alert rules (cw::alerts) over the histories of
// parks, park × industry cells, regions and park groups in a replica store (alerter/
// history.h: regions and groups from the roll-ups), runs each alert through its
// lifecycle, publishes state changes to the alerts topic (key = alert id) and keeps the
// lifecycle state in the store. Publishing happens before the state is stored, and a
// failed publication stores nothing, so re-evaluation republishes the same versions
// (consumers ignore versions they have seen): alerts are exactly-once in effect.
// Also exports bounded-cardinality per-park gauges (one series per park and state): the
// reporting completeness and the alert counts, never a reported figure (/metrics is outside
// disclosure control). Notifications (webhook, log) carry each alert as ForNotification
// gives it.
// Alerts are per episode (common/alerts/episode.h): one open alert per (rule, subject),
// updated (a new version) while the condition continues, resolved when it ends. Every new
// version is published. Notifications (webhook, Alertmanager, log line) carry an open alert
// once it is current — its latest period is at or after both the latest complete period
// of the parks (the latest period any park has with completeness >= the rules' lowest
// completeness_min) and the kNotifyPeriods-th latest period judged by the clock — and
// carry its resolution when it was notified. A backfill of history thus publishes the
// history but notifies only what is open now, in whatever order its periods arrive.
// Thread-safe (one mutex: evaluations are serialised).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "absl/synchronization/mutex.h"
#include "alerter/webhook.h"
#include "clusterwatch/v1/alerts.pb.h"
#include "common/alerts/lifecycle.h"
#include "common/domain/period.h"
#include "common/kafka/kafka.h"
#include "common/kafka/topics.h"
#include "common/metrics/config.h"
#include "common/obs/clock.h"
#include "common/store/store.h"
#include "prometheus/gauge.h"
#include "replica/redact.h"

namespace cw::alerter {

class Alerter {
 public:
  // An open alert is notified when its latest period is among this many latest reporting
  // periods judged by the clock (late reports of the last quarter still notify).
  static constexpr int kNotifyPeriods = 3;

  // `webhook` and `alertmanager` may be null. `alertmanager` sends Alertmanager API v2
  // bodies (alertmanager.h): it gets the firing and resolved notifications (not pending),
  // and every open notified firing alert again at each EvaluateAll.
  Alerter(store::Store& store, kafka::Producer& producer, const obs::Clock& clock,
          alerts::AlertConfig rules, metrics::MetricsConfig metrics, kafka::Topics topics,
          prometheus::Registry& registry, WebhookSender* webhook,
          WebhookSender* alertmanager = nullptr);

  // Re-evaluates the given parks (after their snapshots changed), and each region and group
  // containing any of them once. On a Kafka or store error nothing of the evaluation is
  // stored; the caller retries later.
  absl::Status EvaluateParks(const std::set<std::string>& park_ids);
  // Re-evaluates every park in the store and every region and group with a registered
  // member park (reporting deadlines pass with time).
  absl::Status EvaluateAll();

  int64_t published() const;

 private:
  absl::Status EvaluateLocked(const std::set<std::string>& park_ids)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Some rule applies to subjects of `kind`; some enterprise_exit rule does.
  bool AnyRuleFor(alerts::SubjectKind kind) const;
  bool NeedsEnterprises(alerts::SubjectKind kind) const;
  // The completeness from which a period counts as complete for notifications: the lowest
  // completeness_min of the rules.
  double NotifyCompleteness() const;
  // The episode is open now (see the file comment).
  bool IsCurrent(const alerts::Episode& ep, absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Re-sends every open, notified, firing alert to Alertmanager (it resolves alerts that
  // are not re-sent before their endsAt).
  absl::Status ResendToAlertmanagerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateGauges(const std::string& park_id, const alerts::SubjectHistory& park)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store& store_;
  kafka::Producer& producer_;
  const obs::Clock& clock_;
  alerts::AlertConfig rules_;
  metrics::MetricsConfig metrics_;
  kafka::Topics topics_;
  WebhookSender* webhook_;
  WebhookSender* alertmanager_;
  prometheus::Family<prometheus::Gauge>& completeness_;
  prometheus::Family<prometheus::Gauge>& alerts_;
  mutable absl::Mutex mu_;
  std::map<std::string, clusterwatch::v1::AlertState> states_ ABSL_GUARDED_BY(mu_);
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  int64_t published_ ABSL_GUARDED_BY(mu_) = 0;
  // The latest period of any park evaluated so far whose completeness reaches
  // NotifyCompleteness(): an alert is notified when it opens only if its episode is open
  // there (a backfill notifies only what is open now, not its history).
  std::optional<domain::Period> latest_complete_ ABSL_GUARDED_BY(mu_);
};

// An alert as notifications (webhook, log line) carry it: under the disclosure policy of
// aggregate-only callers (replica/redact.h RedactAlertAt, against the protected tables of
// every period the alert's figures name and a year before each, computed by `redactor` from
// the alerter's store): no enterprise named, and figures only for a park or park × industry
// cell that is published in all of them. When the table cannot
// be computed the figures are withheld (fails closed).
clusterwatch::v1::AlertEvent ForNotification(replica::Redactor& redactor,
                                             clusterwatch::v1::AlertEvent event);

// Conversions between the engine's status and the stored/published event.
clusterwatch::v1::AlertEvent ToEvent(const alerts::AlertStatus& status,
                                     const alerts::AlertEvaluation& evaluation);
alerts::AlertStatus FromEvent(const clusterwatch::v1::AlertEvent& event);
// Sets the event's lifecycle fields (state, version, time, explanations, episode) from
// `status`.
void ApplyStatus(const alerts::AlertStatus& status, clusterwatch::v1::AlertEvent* event);

// The park an alert id belongs to ("<rule>|park:<park>|<period>",
// "<rule>|park_industry:<park>|<industry>|<period>"); nullopt for region and group alerts
// and for what is not an alert id. The per-park gauges count alerts by it.
std::optional<std::string> ParkOfAlertId(const std::string& id);

}  // namespace cw::alerter
