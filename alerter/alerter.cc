#include "alerter/alerter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "alerter/history.h"
#include "common/domain/totals.h"
#include "common/obs/log.h"

namespace cw::alerter {
namespace pb = clusterwatch::v1;

namespace {

pb::AlertState ToProto(alerts::AlertState s) {
  switch (s) {
    case alerts::AlertState::kPending: return pb::ALERT_STATE_PENDING;
    case alerts::AlertState::kFiring: return pb::ALERT_STATE_FIRING;
    case alerts::AlertState::kResolved: return pb::ALERT_STATE_RESOLVED;
  }
  return pb::ALERT_STATE_UNSPECIFIED;
}

std::string StateLabel(pb::AlertState s) {
  switch (s) {
    case pb::ALERT_STATE_PENDING: return "pending";
    case pb::ALERT_STATE_FIRING: return "firing";
    case pb::ALERT_STATE_RESOLVED: return "resolved";
    default: return "unknown";
  }
}

}  // namespace

std::optional<std::string> ParkOfAlertId(const std::string& id) {
  // id = rule|kind:subject|period; rule names have no '|', park ids no '|'.
  const auto bar = id.find('|');
  if (bar == std::string::npos) return std::nullopt;
  const auto colon = id.find(':', bar + 1);
  if (colon == std::string::npos) return std::nullopt;
  const std::string kind = id.substr(bar + 1, colon - bar - 1);
  if (kind != alerts::SubjectKindName(alerts::SubjectKind::kPark) &&
      kind != alerts::SubjectKindName(alerts::SubjectKind::kParkIndustry)) {
    return std::nullopt;
  }
  const auto end = id.find('|', colon + 1);
  if (end == std::string::npos) return std::nullopt;
  return id.substr(colon + 1, end - colon - 1);
}

pb::AlertEvent ForNotification(query::Redactor& redactor, pb::AlertEvent event) {
  if (!query::AlertCell(event)) {
    query::RedactAlert(nullptr, &event);
    return event;
  }
  auto p = redactor.ForPeriod(domain::FromProto(event.period()).Key(), 0);
  query::RedactAlert(p.ok() ? p->get() : nullptr, &event);
  return event;
}

pb::AlertEvent ToEvent(const alerts::AlertStatus& status, const alerts::AlertEvaluation& e) {
  pb::AlertEvent ev;
  ev.set_id(status.alert_id);
  ev.set_rule(e.rule);
  ev.set_kind(std::string(alerts::RuleKindName(e.kind)));
  ev.set_subject_kind(std::string(alerts::SubjectKindName(e.subject.kind)));
  ev.set_subject_id(e.subject.id);
  if (e.subject.kind == alerts::SubjectKind::kPark ||
      e.subject.kind == alerts::SubjectKind::kParkIndustry) {
    ev.set_park_id(e.subject.id.substr(0, e.subject.id.find('|')));
  }
  *ev.mutable_period() = domain::ToProto(e.period);
  ev.set_state(ToProto(status.state));
  ev.set_version(status.version);
  ev.set_changed_unix_ms(absl::ToUnixMillis(status.changed_at));
  ev.set_explanation_zh(status.explanation_zh);
  ev.set_explanation_en(status.explanation_en);
  ev.set_confirmations(status.confirmations);
  for (const auto& f : e.figures) {
    const std::optional<double> v = f.rate ? f.rate : f.ratio;
    if (!v) continue;
    auto* fig = ev.add_figures();
    fig->set_label(f.rate ? "rate" : "ratio");
    fig->set_period(f.period.Key());
    fig->set_value(*v);
  }
  return ev;
}

alerts::AlertStatus FromEvent(const pb::AlertEvent& ev) {
  alerts::AlertStatus s;
  s.alert_id = ev.id();
  s.state = ev.state() == pb::ALERT_STATE_FIRING     ? alerts::AlertState::kFiring
            : ev.state() == pb::ALERT_STATE_RESOLVED ? alerts::AlertState::kResolved
                                                     : alerts::AlertState::kPending;
  s.version = ev.version();
  s.confirmations = ev.confirmations();
  s.changed_at = absl::FromUnixMillis(ev.changed_unix_ms());
  s.explanation_zh = ev.explanation_zh();
  s.explanation_en = ev.explanation_en();
  return s;
}

Alerter::Alerter(store::Store& store, kafka::Producer& producer, const obs::Clock& clock,
                 alerts::AlertConfig rules, metrics::MetricsConfig metrics,
                 kafka::Topics topics, prometheus::Registry& registry, WebhookSender* webhook)
    : store_(store),
      producer_(producer),
      clock_(clock),
      rules_(std::move(rules)),
      metrics_(std::move(metrics)),
      topics_(std::move(topics)),
      webhook_(webhook),
      completeness_(prometheus::BuildGauge()
                        .Name("cw_park_completeness")
                        .Help("Reporting completeness (报送率) of the park's latest period")
                        .Register(registry)),
      alerts_(prometheus::BuildGauge()
                  .Name("cw_park_alerts")
                  .Help("Alerts of the park (and its industries) by state")
                  .Register(registry)) {}

bool Alerter::AnyRuleFor(alerts::SubjectKind kind) const {
  return std::any_of(rules_.rules.begin(), rules_.rules.end(),
                     [kind](const alerts::Rule& r) { return alerts::AppliesTo(r, kind); });
}

bool Alerter::NeedsEnterprises(alerts::SubjectKind kind) const {
  return std::any_of(rules_.rules.begin(), rules_.rules.end(), [kind](const alerts::Rule& r) {
    return r.kind == alerts::RuleKind::kEnterpriseExit && alerts::AppliesTo(r, kind);
  });
}

int64_t Alerter::published() const {
  absl::MutexLock lock(&mu_);
  return published_;
}

absl::Status Alerter::EvaluateParks(const std::set<std::string>& park_ids) {
  absl::MutexLock lock(&mu_);
  return EvaluateLocked(park_ids);
}

absl::Status Alerter::EvaluateAll() {
  std::set<std::string> parks;
  auto s = store_.Scan("p|", [&](std::string_view k, std::string_view) {
    parks.insert(std::string(k.substr(2)));
    return true;
  });
  if (!s.ok()) return s;
  absl::MutexLock lock(&mu_);
  return EvaluateLocked(parks);
}

void Alerter::UpdateGauges(const std::string& park_id, const alerts::SubjectHistory& park) {
  const alerts::PeriodPoint* latest = nullptr;
  for (const auto& p : park.points) {
    if (latest == nullptr || domain::PeriodLess(latest->period, p.period)) latest = &p;
  }
  if (latest == nullptr) return;
  if (latest->completeness) {
    completeness_.Add({{"park", park_id}}).Set(*latest->completeness);
  }
}

absl::Status Alerter::EvaluateLocked(const std::set<std::string>& park_ids) {
  if (!loaded_) {
    auto s = store_.Scan("as|", [this](std::string_view k, std::string_view v)
                                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                                      pb::AlertEvent ev;
                                      ev.ParseFromArray(v.data(), static_cast<int>(v.size()));
                                      states_[ev.id()] = ev.state();
                                      return true;
                                    });
    if (!s.ok()) return s;
    loaded_ = true;
  }
  const absl::Time now = absl::FromUnixMillis(clock_.NowUnixMs());
  store::Batch batch;
  std::vector<kafka::OutRecord> out;
  std::vector<pb::AlertEvent> changed;
  std::map<std::string, pb::AlertState> new_states;
  // Evaluates one subject's history and collects its state changes.
  auto evaluate = [&](const alerts::SubjectHistory& h) -> absl::Status {
    if (h.points.empty()) return absl::OkStatus();
    auto evals = alerts::Evaluate(rules_, h, now);
    if (!evals.ok()) {
      obs::Warn("alerter", "evaluating ", h.subject.id, ": ", evals.status().ToString());
      return absl::OkStatus();  // bad figures of one subject must not stop the others
    }
    for (const auto& e : *evals) {
      std::optional<alerts::AlertStatus> prev;
      auto bytes = store_.Get("as|" + e.alert_id);
      if (!bytes.ok()) return bytes.status();
      if (bytes->has_value()) {
        pb::AlertEvent ev;
        ev.ParseFromString(**bytes);
        prev = FromEvent(ev);
      }
      auto upd = alerts::Transition(prev, e);
      if (!upd) continue;
      pb::AlertEvent ev = ToEvent(upd->status, e);
      batch.Put("as|" + e.alert_id, ev.SerializeAsString());
      if (upd->state_changed) {
        out.push_back({topics_.alerts, e.alert_id, ev.SerializeAsString()});
        new_states[e.alert_id] = ev.state();
        changed.push_back(std::move(ev));
      }
    }
    return absl::OkStatus();
  };
  for (const auto& park_id : park_ids) {
    auto histories = ParkHistories(store_, park_id, metrics_);
    if (!histories.ok()) return histories.status();
    if (!histories->empty()) UpdateGauges(park_id, histories->front());
    for (const auto& h : *histories) {
      if (auto s = evaluate(h); !s.ok()) return s;
    }
  }
  // The regions and groups containing the parks, each once (all of them when every park
  // is evaluated), from their roll-ups.
  if (AnyRuleFor(alerts::SubjectKind::kRegion) || AnyRuleFor(alerts::SubjectKind::kGroup)) {
    auto rollups = RollupHistories::Load(store_);
    if (!rollups.ok()) return rollups.status();
    for (const auto& code : rollups->CodesContaining(park_ids)) {
      const auto subject = RollupSubject(code);
      if (!subject || !AnyRuleFor(subject->kind)) continue;
      auto h = rollups->History(code, NeedsEnterprises(subject->kind));
      if (!h.ok()) return h.status();
      if (auto s = evaluate(*h); !s.ok()) return s;
    }
  }
  if (!out.empty()) {
    if (auto s = producer_.ProduceAll(out, absl::Seconds(30)); !s.ok()) return s;
  }
  if (!batch.empty()) {
    if (auto s = store_.Write(batch); !s.ok()) return s;
  }
  for (const auto& [id, st] : new_states) states_[id] = st;
  published_ += static_cast<int64_t>(out.size());
  query::Redactor redactor(store_);  // the protected tables as of this evaluation
  for (const auto& ev : changed) {
    const pb::AlertEvent note = ForNotification(redactor, ev);
    obs::Info("alerter", StateLabel(note.state()), " v", note.version(), " ", note.id(), ": ",
              note.explanation_en());
    if (webhook_ != nullptr) webhook_->Enqueue(note);
  }
  // Gauges of alerts per park and state (bounded: parks × 3 states).
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const auto& park_id : park_ids) {
    for (const char* st : {"pending", "firing", "resolved"}) counts[{park_id, st}] = 0;
  }
  for (const auto& [id, st] : states_) {
    const auto park = ParkOfAlertId(id);
    if (!park) continue;  // a region or group alert: not a park's
    auto it = counts.find({*park, StateLabel(st)});
    if (it != counts.end()) ++it->second;
  }
  for (const auto& [key, n] : counts) {
    alerts_.Add({{"park", key.first}, {"state", key.second}}).Set(n);
  }
  return absl::OkStatus();
}

}  // namespace cw::alerter
