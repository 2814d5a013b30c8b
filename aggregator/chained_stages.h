// Both stages of the aggregator chained in memory, without Kafka, as one "batch" call: for
// tests and benchmarks of what the stages compute (not how they commit; see stage_runner.h). The
// enterprise stage applies the batch and its contributions become the park stage's input
// (at increasing offsets of the partitions they name); each stage commits its staged state
// and offsets to the store as its runner would after a committed transaction. Everything
// produced except the contributions (dead letters, snapshots) goes to a FakeProducer.
#pragma once

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "aggregator/enterprise_stage.h"
#include "aggregator/park_stage.h"
#include "aggregator/stage_runner.h"
#include "common/kafka/fake_producer.h"
#include "common/obs/clock.h"
#include "common/store/store.h"

namespace cw::aggregator {

// What happened to the messages of a batch.
struct BatchResult {
  int applied = 0;
  int duplicates = 0;
  int stale = 0;
  int poison = 0;
  int contributions = 0;
  int snapshots_published = 0;
};

class ChainedStages {
 public:
  ChainedStages(store::Store& store, kafka::FakeProducer& producer, const obs::Clock& clock,
           kafka::Topics topics, prometheus::Registry& registry, int partitions = 6)
      : store_(store),
        producer_(producer),
        topics_(topics),
        enterprise_metrics_(registry),
        park_metrics_(registry),
        enterprise_(topics, partitions, enterprise_metrics_),
        park_(topics, clock, park_metrics_) {}

  absl::StatusOr<BatchResult> ProcessBatch(const std::vector<kafka::Message>& messages) {
    BatchResult result;
    store::StagedStore s1(store_);
    std::vector<kafka::OutRecord> out1;
    if (auto s = enterprise_.Apply(messages, true, s1, out1); !s.ok()) return s;
    for (const auto& m : messages) {
      s1.Put(OffsetKey({m.topic, m.partition}), absl::StrCat(m.offset + 1));
    }
    if (auto s = s1.Commit(); !s.ok()) return s;
    const auto& c = enterprise_.last_counts();
    result.applied = c.applied;
    result.duplicates = c.duplicates;
    result.stale = c.stale;
    result.poison = c.poison;
    std::vector<kafka::OutRecord> to_produce;
    std::vector<kafka::Message> contributions;
    for (auto& r : out1) {
      if (r.topic != topics_.contributions) {
        to_produce.push_back(std::move(r));
        continue;
      }
      kafka::Message m;
      m.topic = r.topic;
      m.partition = r.partition;
      m.offset = next_contribution_offset_[r.partition]++;
      m.key = r.key;
      m.value = r.value;
      contributions.push_back(std::move(m));
      contributions_sent_.push_back(std::move(r));
    }
    result.contributions = static_cast<int>(contributions.size());
    store::StagedStore s2(store_);
    std::vector<kafka::OutRecord> out2;
    if (auto s = park_.Apply(contributions, true, s2, out2); !s.ok()) return s;
    if (auto s = park_.Flush(s2, out2); !s.ok()) return s;
    if (auto s = s2.Commit(); !s.ok()) return s;
    for (auto& r : out2) {
      if (r.topic == topics_.park_metrics) ++result.snapshots_published;
      to_produce.push_back(std::move(r));
    }
    if (auto s = producer_.ProduceAll(to_produce, absl::Seconds(1)); !s.ok()) return s;
    return result;
  }

  // The store's next offset of a partition.
  absl::StatusOr<std::optional<int64_t>> StoredOffset(const kafka::TopicPartition& tp) {
    auto v = store_.Get(OffsetKey(tp));
    if (!v.ok()) return v.status();
    if (!v->has_value()) return std::optional<int64_t>();
    return std::optional<int64_t>(std::stoll(**v));
  }

  const std::vector<kafka::OutRecord>& contributions_ForTest() const {
    return contributions_sent_;
  }

 private:
  store::Store& store_;
  kafka::FakeProducer& producer_;
  kafka::Topics topics_;
  EnterpriseStageMetrics enterprise_metrics_;
  ParkStageMetrics park_metrics_;
  EnterpriseStage enterprise_;
  ParkStage park_;
  std::map<int32_t, int64_t> next_contribution_offset_;
  std::vector<kafka::OutRecord> contributions_sent_;
};

}  // namespace cw::aggregator
