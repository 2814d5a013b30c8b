#include "aggregator/park_stage.h"

#include "absl/strings/str_cat.h"
#include "common/domain/dead_letter.h"
#include "common/domain/totals.h"
#include "google/protobuf/arena.h"

namespace cw::aggregator {
namespace {

namespace pb = clusterwatch::v1;

// A contribution without reporters retracts its key (see ContributionUpdate).
bool IsRetraction(const pb::Contribution& c) {
  return c.month().output_reporters() == 0 && c.month().tax_reporters() == 0 &&
         c.year_to_date().output_reporters() == 0 && c.year_to_date().tax_reporters() == 0;
}

bool SameFigures(const pb::Contribution& a, const pb::Contribution& b) {
  return a.park_id() == b.park_id() && a.uscc() == b.uscc() && a.industry() == b.industry() &&
         domain::SameTotals(a.month(), b.month()) &&
         domain::SameTotals(a.year_to_date(), b.year_to_date());
}

}  // namespace

ParkStageMetrics::ParkStageMetrics(prometheus::Registry& registry)
    : changed(prometheus::BuildCounter()
                  .Name("cw_aggregator_contributions_total")
                  .Help("Contribution upserts consumed by the park stage, by outcome")
                  .Register(registry)
                  .Add({{"outcome", "changed"}})),
      unchanged(prometheus::BuildCounter()
                    .Name("cw_aggregator_contributions_total")
                    .Help("Contribution upserts consumed by the park stage, by outcome")
                    .Register(registry)
                    .Add({{"outcome", "unchanged"}})),
      poison(prometheus::BuildCounter()
                 .Name("cw_aggregator_contributions_total")
                 .Help("Contribution upserts consumed by the park stage, by outcome")
                 .Register(registry)
                 .Add({{"outcome", "poison"}})),
      snapshots(prometheus::BuildCounter()
                    .Name("cw_aggregator_snapshots_published_total")
                    .Help("Park-period snapshots committed to Kafka")
                    .Register(registry)
                    .Add({})) {}

ParkStage::ParkStage(kafka::Topics topics, const obs::Clock& clock, ParkStageMetrics& metrics)
    : topics_(std::move(topics)), clock_(clock), metrics_(metrics) {}

void ParkStage::Reset() {
  aggregates_.clear();
  firms_.clear();
  dirty_.clear();
}

absl::StatusOr<pb::ParkAggregate*> ParkStage::Aggregate(store::StagedStore& state,
                                                        const std::string& park_period) {
  auto it = aggregates_.find(park_period);
  if (it != aggregates_.end()) return &it->second;
  auto bytes = state.Get("a|" + park_period);
  if (!bytes.ok()) return bytes.status();
  pb::ParkAggregate agg;
  if (bytes->has_value() && !agg.ParseFromString(**bytes)) {
    return absl::DataLossError(absl::StrCat("state record a|", park_period,
                                            " is not a ParkAggregate"));
  }
  return &aggregates_.emplace(park_period, std::move(agg)).first->second;
}

absl::Status ParkStage::ApplyToFirm(store::StagedStore& state, const std::string& park_period,
                                    const pb::Contribution& c, int sign) {
  if (!domain::HasFirm(c)) return absl::OkStatus();
  const std::string key = absl::StrCat(park_period, "|", c.uscc());
  auto it = firms_.find(key);
  if (it == firms_.end()) {
    auto bytes = state.Get("f|" + key);
    if (!bytes.ok()) return bytes.status();
    FirmSlot slot;
    if (bytes->has_value()) {
      if (!slot.firm.ParseFromString(**bytes)) {
        return absl::DataLossError(absl::StrCat("state record f|", key, " is not FirmTotals"));
      }
      slot.present = true;
    }
    it = firms_.emplace(key, std::move(slot)).first;
  }
  FirmSlot& slot = it->second;
  if (!slot.present) slot.firm.Clear();  // a new entry starts from zero
  slot.present = domain::ApplyContributionToFirm(slot.firm, c, sign);
  return absl::OkStatus();
}

absl::Status ParkStage::Apply(const std::vector<kafka::Message>& messages, bool emit,
                              store::StagedStore& state, std::vector<kafka::OutRecord>& out) {
  google::protobuf::Arena arena;
  for (const auto& m : messages) {
    auto& u = *google::protobuf::Arena::CreateMessage<pb::ContributionUpdate>(&arena);
    if (!u.ParseFromString(m.value) || u.contribution().park_id().empty() ||
        u.contribution().park_id().find('|') != std::string::npos || u.period().empty()) {
      // Only the enterprise stage writes this topic: a record it cannot have written.
      metrics_.poison.Increment();
      if (emit) {
        auto rej = domain::DeadLetter("aggregator-park",
                                      "value is not a clusterwatch.v1.ContributionUpdate with "
                                      "a park and a period",
                                      m.topic, m.partition, m.offset, m.value);
        out.push_back({topics_.rejected, domain::DeadLetterKey(m.topic, m.partition, m.offset),
                       rej.SerializeAsString()});
      }
      continue;
    }
    const pb::Contribution& c = u.contribution();
    const std::string park_period = absl::StrCat(c.park_id(), "|", u.period());
    const std::string ckey =
        absl::StrCat("c|", park_period, "|", c.uscc(), "|", u.output() ? "o" : "t");
    auto old_bytes = state.Get(ckey);
    if (!old_bytes.ok()) return old_bytes.status();
    if (old_bytes->has_value() && **old_bytes == m.value) {
      metrics_.unchanged.Increment();  // the same record again (a replay or redelivery)
      continue;
    }
    auto& old = *google::protobuf::Arena::CreateMessage<pb::ContributionUpdate>(&arena);
    if (old_bytes->has_value() && !old.ParseFromString(**old_bytes)) {
      return absl::DataLossError(absl::StrCat("state record ", ckey,
                                              " is not a ContributionUpdate"));
    }
    const bool had = old_bytes->has_value();
    const bool retract = IsRetraction(c);
    if ((had && SameFigures(old.contribution(), c)) || (!had && retract)) {
      metrics_.unchanged.Increment();  // a replay, a redelivery, or nothing to retract
      continue;
    }
    auto agg = Aggregate(state, park_period);
    if (!agg.ok()) return agg.status();
    if (had) {
      domain::ApplyContributionTotals(**agg, old.contribution(), -1);
      if (auto s = ApplyToFirm(state, park_period, old.contribution(), -1); !s.ok()) return s;
    }
    if (retract) {
      state.Delete(ckey);
    } else {
      domain::ApplyContributionTotals(**agg, c, +1);
      if (auto s = ApplyToFirm(state, park_period, c, +1); !s.ok()) return s;
      state.Put(ckey, m.value);
    }
    (*agg)->set_source_offset(std::max((*agg)->source_offset(), m.offset));
    metrics_.changed.Increment();
    if (emit) dirty_.insert(park_period);
  }
  return absl::OkStatus();
}

absl::Status ParkStage::Flush(store::StagedStore& state, std::vector<kafka::OutRecord>& out) {
  for (auto& [key, agg] : aggregates_) state.Put("a|" + key, agg.SerializeAsString());
  for (auto& [key, slot] : firms_) {
    if (slot.present) {
      state.Put("f|" + key, slot.firm.SerializeAsString());
    } else {
      state.Delete("f|" + key);
    }
  }
  const int64_t now = clock_.NowUnixMs();
  for (const auto& park_period : dirty_) {
    auto agg = Aggregate(state, park_period);
    if (!agg.ok()) return agg.status();
    // The firms, kept apart so a transaction rewrites only the firms it changed, are put in
    // the held aggregate for the snapshot only (it was written to the state above).
    pb::ParkAggregate& full = **agg;
    const std::string prefix = absl::StrCat("f|", park_period, "|");
    auto& firms = *full.mutable_firms();
    auto scanned = state.Scan(prefix, [&](std::string_view k, std::string_view v) {
      pb::FirmTotals f;
      f.ParseFromArray(v.data(), static_cast<int>(v.size()));
      firms[std::string(k.substr(prefix.size()))] = std::move(f);
      return true;
    });
    if (!scanned.ok()) return scanned;
    const auto bar = park_period.find('|');
    auto period = domain::ParsePeriod(park_period.substr(bar + 1));
    if (!period.ok()) return period.status();
    out.push_back(
        {topics_.park_metrics, park_period,
         domain::BuildSnapshot(park_period.substr(0, bar), *period, full, now).SerializeAsString()});
    full.clear_firms();
  }
  metrics_.snapshots.Increment(static_cast<double>(dirty_.size()));
  Reset();
  return absl::OkStatus();
}

}  // namespace cw::aggregator
