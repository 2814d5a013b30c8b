#include "alerter/alerter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "alerter/history.h"
#include "common/domain/totals.h"
#include "common/obs/log.h"
#include "replica/keys.h"

namespace cw::alerter {
namespace pb = clusterwatch::v1;
namespace keys = replica::keys;

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

pb::AlertEvent ForNotification(replica::Redactor& redactor, pb::AlertEvent event) {
  // A table that cannot be computed withholds the figures (an empty list of tables).
  if (!replica::RedactAlertAt(redactor, 0, &event).ok()) replica::RedactAlert({}, &event);
  return event;
}

pb::AlertEvent ToEvent(const alerts::AlertStatus& status, const alerts::AlertEvaluation& e) {
  pb::AlertEvent ev;
  ev.set_id(status.alert_id);
  ev.set_rule(e.rule);
  ev.set_kind(std::string(alerts::RuleKindName(e.kind)));
  ev.set_subject_kind(std::string(alerts::SubjectKindName(e.subject.kind)));
  ev.set_subject_id(e.subject.id);
  ev.set_subject_name(e.subject_zh);
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
  if (status.latest_period) *ev.mutable_latest_period() = domain::ToProto(*status.latest_period);
  ev.set_periods(status.periods);
  ev.set_notified(status.notified);
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
  if (ev.has_latest_period()) s.latest_period = domain::FromProto(ev.latest_period());
  s.periods = ev.periods();
  s.notified = ev.notified();
  return s;
}

void ApplyStatus(const alerts::AlertStatus& status, pb::AlertEvent* ev) {
  ev->set_state(ToProto(status.state));
  ev->set_version(status.version);
  ev->set_changed_unix_ms(absl::ToUnixMillis(status.changed_at));
  ev->set_explanation_zh(status.explanation_zh);
  ev->set_explanation_en(status.explanation_en);
  ev->set_confirmations(status.confirmations);
  if (status.latest_period) {
    *ev->mutable_latest_period() = domain::ToProto(*status.latest_period);
  }
  ev->set_periods(status.periods);
  ev->set_notified(status.notified);
}

Alerter::Alerter(store::Store& store, kafka::Producer& producer, const obs::Clock& clock,
                 alerts::AlertConfig rules, metrics::MetricsConfig metrics,
                 kafka::Topics topics, prometheus::Registry& registry, WebhookSender* webhook,
                 WebhookSender* alertmanager)
    : store_(store),
      producer_(producer),
      clock_(clock),
      rules_(std::move(rules)),
      metrics_(std::move(metrics)),
      topics_(std::move(topics)),
      webhook_(webhook),
      alertmanager_(alertmanager),
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

double Alerter::NotifyCompleteness() const {
  double min = 1;
  for (const auto& r : rules_.rules) min = std::min(min, r.completeness_min);
  return min;
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
  auto s = store_.Scan(keys::kParks, [&](std::string_view k, std::string_view) {
    parks.insert(std::string(k.substr(2)));
    return true;
  });
  if (!s.ok()) return s;
  absl::MutexLock lock(&mu_);
  if (auto evaluated = EvaluateLocked(parks); !evaluated.ok()) return evaluated;
  return ResendToAlertmanagerLocked();
}

bool Alerter::IsCurrent(const alerts::Episode& ep, absl::Time now) const {
  if (latest_complete_ && domain::PeriodLess(ep.latest, *latest_complete_)) return false;
  int deadline_days = 0;
  for (const auto& r : rules_.rules) {
    if (r.name == ep.evaluation.rule) deadline_days = r.deadline_days;
  }
  domain::Period recent = alerts::LatestJudgedPeriod(now, deadline_days);
  for (int i = 1; i < kNotifyPeriods; ++i) recent = alerts::PreviousReportingPeriod(recent);
  return !domain::PeriodLess(ep.latest, recent);
}

absl::Status Alerter::ResendToAlertmanagerLocked() {
  if (alertmanager_ == nullptr) return absl::OkStatus();
  std::vector<pb::AlertEvent> open;
  for (const auto& [id, state] : states_) {
    if (state != pb::ALERT_STATE_FIRING) continue;
    auto bytes = store_.Get(keys::AlertState(id));
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) continue;
    pb::AlertEvent ev;
    if (ev.ParseFromString(**bytes) && ev.notified()) open.push_back(std::move(ev));
  }
  if (open.empty()) return absl::OkStatus();
  replica::Redactor redactor(store_);
  for (auto& ev : open) alertmanager_->Enqueue(ForNotification(redactor, std::move(ev)));
  return absl::OkStatus();
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
    auto s = store_.Scan(keys::kAlertStates, [this](std::string_view k, std::string_view v)
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
  std::vector<pb::AlertEvent> changed;  // to notify
  std::map<std::string, pb::AlertState> new_states;
  // The parks' histories first: the latest complete period decides what is notified.
  std::vector<std::pair<std::string, std::vector<alerts::SubjectHistory>>> parks;
  for (const auto& park_id : park_ids) {
    auto histories = ParkHistories(store_, park_id, metrics_);
    if (!histories.ok()) return histories.status();
    if (!histories->empty()) {
      UpdateGauges(park_id, histories->front());
      for (const auto& pt : histories->front().points) {
        if (pt.completeness && *pt.completeness >= NotifyCompleteness() - 1e-9 &&
            (!latest_complete_ || domain::PeriodLess(*latest_complete_, pt.period))) {
          latest_complete_ = pt.period;
        }
      }
    }
    parks.emplace_back(park_id, std::move(*histories));
  }
  // Stores a new status; publishes it when it is a new version; notifies (webhook, log)
  // an opening or re-opening of an alert open at the latest complete period, and the
  // resolution of an alert that was notified.
  auto record = [&](alerts::AlertUpdate upd, pb::AlertEvent ev, bool current) {
    const bool open = upd.status.state != alerts::AlertState::kResolved;
    const bool notify =
        open ? current && (upd.state_changed || !upd.status.notified)
             : upd.state_changed && upd.status.notified;
    if (notify && open) upd.status.notified = true;
    ev.set_notified(upd.status.notified);
    batch.Put(keys::AlertState(upd.status.alert_id), ev.SerializeAsString());
    if (!upd.new_version) return;
    out.push_back({topics_.alerts, upd.status.alert_id, ev.SerializeAsString()});
    new_states[upd.status.alert_id] = ev.state();
    if (notify) changed.push_back(std::move(ev));
  };
  auto load = [&](const std::string& id) -> absl::StatusOr<std::optional<pb::AlertEvent>> {
    auto bytes = store_.Get(keys::AlertState(id));
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::optional<pb::AlertEvent>();
    pb::AlertEvent ev;
    ev.ParseFromString(**bytes);
    return std::optional<pb::AlertEvent>(std::move(ev));
  };
  // Evaluates one subject's history, groups the evaluations into episodes (one alert per
  // episode) and collects the state changes; resolves the subject's open alerts whose
  // episode no longer exists as it was (a revision moved its start or removed it).
  auto evaluate = [&](const alerts::SubjectHistory& h) -> absl::Status {
    if (h.points.empty()) return absl::OkStatus();
    auto evals = alerts::Evaluate(rules_, h, now);
    if (!evals.ok()) {
      obs::Warn("alerter", "evaluating ", h.subject.id, ": ", evals.status().ToString());
      return absl::OkStatus();  // bad figures of one subject must not stop the others
    }
    const std::vector<alerts::Episode> episodes = alerts::EpisodesByRule(*evals);
    std::set<std::string> episode_ids;
    for (const auto& ep : episodes) {
      episode_ids.insert(ep.alert_id);
      auto prev_ev = load(ep.alert_id);
      if (!prev_ev.ok()) return prev_ev.status();
      std::optional<alerts::AlertStatus> prev;
      if (prev_ev->has_value()) prev = FromEvent(**prev_ev);
      auto upd = alerts::TransitionEpisode(prev, ep);
      if (!upd) continue;
      pb::AlertEvent ev = ToEvent(upd->status, ep.evaluation);
      *ev.mutable_period() = domain::ToProto(ep.first);  // the id's
      const bool current = ep.open() && IsCurrent(ep, now);
      record(std::move(*upd), std::move(ev), current);
    }
    // Open alerts of this subject that are no episode's any more.
    for (const auto& rule : rules_.rules) {
      if (!alerts::AppliesTo(rule, h.subject.kind)) continue;
      const std::string prefix = absl::StrCat(
          rule.name, "|", std::string(alerts::SubjectKindName(h.subject.kind)), ":",
          h.subject.id, "|");
      for (auto it = states_.lower_bound(prefix);
           it != states_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        if (it->second == pb::ALERT_STATE_RESOLVED || episode_ids.count(it->first)) continue;
        auto prev_ev = load(it->first);
        if (!prev_ev.ok()) return prev_ev.status();
        if (!prev_ev->has_value()) continue;
        const alerts::AlertStatus prev = FromEvent(**prev_ev);
        const domain::Period at = domain::FromProto((*prev_ev)->period());
        const alerts::AlertEvaluation* then = nullptr;
        for (const auto& e : *evals) {
          if (e.rule == rule.name && e.period == at) then = &e;
        }
        // The episode that now covers the alert's first period, if any.
        std::string successor;
        for (const auto& ep : episodes) {
          if (ep.evaluation.rule != rule.name || at < ep.first) continue;
          if (ep.open() || at < *ep.ended) successor = ep.alert_id;
        }
        if (then != nullptr && then->outcome == alerts::Outcome::kClear) {
          auto upd = alerts::Transition(prev, *then);
          if (!upd) continue;
          pb::AlertEvent ev = ToEvent(upd->status, *then);
          record(std::move(*upd), std::move(ev), false);
        } else if (!successor.empty() ||
                   (then != nullptr && then->outcome != alerts::Outcome::kInsufficient)) {
          alerts::AlertUpdate upd = alerts::Superseded(prev, successor, now);
          pb::AlertEvent ev = **prev_ev;
          ApplyStatus(upd.status, &ev);
          record(std::move(upd), std::move(ev), false);
        }
        // Otherwise the period is no longer judged (missing data): unchanged.
      }
    }
    return absl::OkStatus();
  };
  for (const auto& [park_id, histories] : parks) {
    for (const auto& h : histories) {
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
  replica::Redactor redactor(store_);  // the protected tables as of this evaluation
  for (const auto& ev : changed) {
    const pb::AlertEvent note = ForNotification(redactor, ev);
    obs::Info("alerter", StateLabel(note.state()), " v", note.version(), " ", note.id(), ": ",
              note.explanation_en());
    if (webhook_ != nullptr) webhook_->Enqueue(note);
    if (alertmanager_ != nullptr && note.state() != pb::ALERT_STATE_PENDING) {
      alertmanager_->Enqueue(note);
    }
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
