#include "replica/materializer.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clusterwatch/v1/alerts.pb.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/dead_letter.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"
#include "common/kafka/rdkafka.h"
#include "common/store/staged_store.h"
#include "replica/keys.h"
#include "replica/rollup.h"

namespace cw::replica {
namespace pb = clusterwatch::v1;

Materializer::Materializer(store::Store& store, kafka::Producer& dead_letters,
                           kafka::Topics topics)
    : store_(store), dead_letters_(dead_letters), topics_(std::move(topics)) {}

absl::Status Materializer::Init() {
  for (auto [key, value] : {std::pair{keys::kAsOf, &as_of_}, std::pair{keys::kApplied, &applied_}}) {
    auto v = store_.Get(std::string(key));
    if (!v.ok()) return v.status();
    int64_t n = 0;
    if (v->has_value() && absl::SimpleAtoi(**v, &n)) value->store(n);
  }
  return absl::OkStatus();
}

std::optional<int64_t> Materializer::StartOffset(const kafka::TopicPartition& tp) {
  auto v = store_.Get(keys::SourceOffset(tp.topic, tp.partition));
  int64_t off = 0;
  if (v.ok() && v->has_value() && absl::SimpleAtoi(**v, &off)) return off;
  return std::nullopt;  // rebuild from the beginning (upserts: replay is harmless)
}

namespace {

// Moves one snapshot into (sign +1) or out of (sign -1) the roll-ups of `park`.
absl::Status Roll(store::StagedStore& staged, const pb::Park& park,
                  const pb::ParkSnapshot& snap, int sign) {
  const std::string period = domain::FromProto(snap.period()).Key();
  for (const auto& code : RollupCodes(park)) {
    const std::string key = keys::Rollup(code, period);
    auto bytes = staged.Get(key);
    if (!bytes.ok()) return bytes.status();
    pb::RollupAggregate agg;
    if (bytes->has_value()) agg.ParseFromString(**bytes);
    ApplySnapshot(agg, snap, sign);
    if (agg.parks() == 0) {
      staged.Delete(key);
    } else {
      staged.Put(key, agg.SerializeAsString());
    }
  }
  return absl::OkStatus();
}

std::optional<pb::Park> LoadPark(store::StagedStore& staged, const std::string& id) {
  auto bytes = staged.Get(keys::Park(id));
  if (!bytes.ok() || !bytes->has_value()) return std::nullopt;
  pb::Park p;
  p.ParseFromString(**bytes);
  return p;
}

}  // namespace

absl::Status Materializer::Apply(const std::vector<kafka::Message>& messages) {
  store::StagedStore staged(store_);
  int64_t as_of = as_of_.load();
  int64_t bad = 0;
  int64_t new_alert_changes = 0;
  std::set<std::string> changed_parks;  // snapshots or registry records written
  std::vector<kafka::OutRecord> rejected;
  auto reject = [&](const kafka::Message& m, const std::string& reason) {
    ++bad;
    rejected.push_back(
        {topics_.rejected, domain::DeadLetterKey(m.topic, m.partition, m.offset),
         domain::DeadLetter("query", reason, m.topic, m.partition, m.offset, m.value)
             .SerializeAsString()});
  };
  for (const auto& m : messages) {
    staged.Put(keys::SourceOffset(m.topic, m.partition), absl::StrCat(m.offset + 1));
    if (m.topic == topics_.park_metrics) {
      pb::ParkSnapshot snap;
      if (!snap.ParseFromString(m.value) || snap.park_id().empty() ||
          snap.park_id().find('|') != std::string::npos || snap.period().month() < 1 ||
          snap.period().month() > 12) {
        reject(m, "value is not a clusterwatch.v1.ParkSnapshot with a park id and period");
        continue;
      }
      const auto period = domain::FromProto(snap.period());
      const std::string key = keys::Snapshot(snap.park_id(), period.Key());
      auto old = staged.Get(key);
      if (!old.ok()) return old.status();
      std::optional<pb::ParkSnapshot> prev;
      if (old->has_value()) {
        prev.emplace().ParseFromString(**old);
        // An older state of the same park (a republished snapshot from an instance that no
        // longer owns the park's partition) never replaces a newer one.
        if (prev->source_offset() > snap.source_offset()) continue;
      }
      if (auto park = LoadPark(staged, snap.park_id())) {
        if (prev) {
          if (auto s = Roll(staged, *park, *prev, -1); !s.ok()) return s;
        }
        if (auto s = Roll(staged, *park, snap, +1); !s.ok()) return s;
      }
      staged.Put(key, m.value);
      changed_parks.insert(snap.park_id());
      as_of = std::max(as_of, snap.computed_unix_ms());
    } else if (m.topic == topics_.alerts) {
      pb::AlertEvent ev;
      if (!ev.ParseFromString(m.value) || ev.id().empty() || ev.version() < 1) {
        reject(m, "value is not a clusterwatch.v1.AlertEvent with an id and version");
        continue;
      }
      const std::string key = keys::Alert(ev.id());
      auto old = staged.Get(key);
      if (!old.ok()) return old.status();
      if (old->has_value()) {
        pb::AlertEvent prev;
        prev.ParseFromString(**old);
        if (prev.version() >= ev.version()) continue;  // republished: seen already
      }
      staged.Put(key, m.value);
      staged.Put(keys::AlertChange(m.offset), m.value);
      ++new_alert_changes;
    } else if (m.topic == topics_.alert_actions) {
      pb::AlertAction action;
      if (!action.ParseFromString(m.value) || action.alert_id().empty() ||
          action.kind() == pb::ALERT_ACTION_KIND_UNSPECIFIED) {
        reject(m, "value is not a clusterwatch.v1.AlertAction with an alert id and kind");
        continue;
      }
      // Keyed by offset: a replayed record lands on its own key again.
      staged.Put(keys::AlertAction(action.alert_id(), m.offset), m.value);
    } else if (m.topic == topics_.registry) {
      pb::RegistryRecord r;
      if (!r.ParseFromString(m.value) || r.body_case() == pb::RegistryRecord::BODY_NOT_SET) {
        reject(m, "value is not a clusterwatch.v1.RegistryRecord with a park or enterprise");
        continue;
      }
      if (r.has_park()) {
        const pb::Park& park = r.park();
        auto prev = LoadPark(staged, park.id());
        if (!prev || RollupCodes(*prev) != RollupCodes(park)) {
          // The park's snapshots move to the roll-ups of its new region and groups.
          std::vector<pb::ParkSnapshot> snaps;
          auto s = staged.Scan(keys::Snapshots(park.id()),
                               [&](std::string_view, std::string_view v) {
                                 snaps.emplace_back().ParseFromArray(
                                     v.data(), static_cast<int>(v.size()));
                                 return true;
                               });
          if (!s.ok()) return s;
          for (const auto& snap : snaps) {
            if (prev) {
              if (auto st = Roll(staged, *prev, snap, -1); !st.ok()) return st;
            }
            if (auto st = Roll(staged, park, snap, +1); !st.ok()) return st;
          }
        }
        staged.Put(keys::Park(park.id()), park.SerializeAsString());
        changed_parks.insert(park.id());
      } else {
        const pb::Enterprise& e = r.enterprise();
        auto prev_park = staged.Get(keys::EnterprisePark(e.uscc()));
        if (!prev_park.ok()) return prev_park.status();
        if (prev_park->has_value() && **prev_park != e.park_id()) {
          staged.Delete(keys::Enterprise(**prev_park, e.uscc()));
        }
        staged.Put(keys::EnterprisePark(e.uscc()), e.park_id());
        staged.Put(keys::Enterprise(e.park_id(), e.uscc()), e.SerializeAsString());
      }
    }
  }
  const int64_t applied = applied_.load() + static_cast<int64_t>(messages.size()) - bad;
  if (!rejected.empty()) {
    if (auto s = dead_letters_.ProduceAll(rejected, absl::Seconds(30)); !s.ok()) return s;
  }
  staged.Put(std::string(keys::kAsOf), absl::StrCat(as_of));
  staged.Put(std::string(keys::kApplied), absl::StrCat(applied));
  if (auto s = staged.Commit(); !s.ok()) return s;
  as_of_.store(as_of);
  applied_.store(applied);
  undecodable_.fetch_add(bad);
  if (!changed_parks.empty()) {
    absl::MutexLock lock(&versions_mu_);
    const int64_t version = snapshots_version_.load() + 1;
    for (const auto& park : changed_parks) park_versions_[park] = version;
    snapshots_version_.store(version);
  }
  if (new_alert_changes > 0) {
    absl::MutexLock lock(&alerts_mu_);
    alert_seq_ += new_alert_changes;
  }
  return absl::OkStatus();
}

absl::StatusOr<Replica> OpenReplica(const store::RocksDbOptions& store_options,
                                    const kafka::ClientOptions& client, kafka::Topics topics) {
  Replica r;
  auto store = store::RocksDbStore::Open(store_options);
  if (!store.ok()) return store.status();
  r.store = std::move(*store);
  auto producer = kafka::NewRdKafkaProducer(client);
  if (!producer.ok()) return producer.status();
  r.producer = std::move(*producer);
  r.materializer = std::make_unique<Materializer>(*r.store, *r.producer, std::move(topics));
  if (auto s = r.materializer->Init(); !s.ok()) return s;
  return r;
}

int64_t Materializer::ParkVersion(const std::string& park_id) const {
  absl::ReaderMutexLock lock(&versions_mu_);
  auto it = park_versions_.find(park_id);
  return it == park_versions_.end() ? 0 : it->second;
}

int64_t Materializer::alert_sequence() const {
  absl::MutexLock lock(&alerts_mu_);
  return alert_seq_;
}

int64_t Materializer::WaitForAlertChanges(int64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&alerts_mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(alerts_mu_) {
    return alert_seq_ > seen;
  };
  alerts_mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return alert_seq_;
}

}  // namespace cw::replica
