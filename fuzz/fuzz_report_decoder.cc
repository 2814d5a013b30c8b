// Fuzz target: the aggregator's decode path end to end. One input = the value of one
// message on the reports topic, fed to the enterprise stage over a fresh MemoryStore, its
// contributions to the park stage, then fed again (a redelivery) at the next offset.
//
// Invariants (a violation traps):
//  - ProcessBatch never fails (the fakes inject no faults) and its outcome counts add up to
//    exactly 1; with an empty store the outcome is applied or poison;
//  - poison exactly when the bytes do not decode as a ReportEnvelope, or ingest's
//    registry-free checks refuse it (domain::ValidateEnvelope);
//  - poison: exactly one record was produced, on the rejected topic, keyed by the message's
//    topic|partition|offset, decoding as a RejectedRecord from stage "aggregator" with a
//    reason and the message bytes as raw; nothing reached the state (no y|, c|, a| or f|
//    keys) and no park-metrics snapshot was produced;
//  - applied: the report is stored under y|, its contribution under c|, the park aggregate
//    exists, one snapshot for
//    park|period is produced whose month value and reporter count are the report's, no
//    dead letter is produced;
//  - the redelivery is a duplicate (applied before) or poison again (poison before).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "aggregator/enterprise_stage.h"
#include "aggregator/park_stage.h"
#include "common/domain/validate.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/domain/dead_letter.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"
#include "common/kafka/fake_producer.h"
#include "common/obs/clock.h"
#include "common/store/memory_store.h"
#include "prometheus/registry.h"

namespace {

namespace pb = ::clusterwatch::v1;

#define CW_FUZZ_CHECK(cond)                                                       \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "fuzz_report_decoder: invariant violated: %s (%s:%d)\n", \
                   #cond, __FILE__, __LINE__);                                    \
      __builtin_trap();                                                           \
    }                                                                             \
  } while (0)

constexpr int64_t kOffset = 41;

// The aggregator's acceptance rule: the envelope decodes and ingest's registry-free checks
// pass (common/domain/validate.h, unit-tested against hand-made cases).
bool Decodable(const std::string& value, pb::ReportEnvelope* env) {
  if (!env->ParseFromString(value)) return false;
  return !cw::domain::ValidateEnvelope(*env).has_value();
}

int CountKeys(cw::store::MemoryStore& store, std::string_view prefix) {
  int n = 0;
  auto s = store.Scan(prefix, [&n](std::string_view, std::string_view) {
    ++n;
    return true;
  });
  CW_FUZZ_CHECK(s.ok());
  return n;
}

// Both stages over one store, as their runners would commit them; what they produce,
// except the contributions (passed from the first stage to the second), is returned.
struct Pipeline {
  explicit Pipeline(prometheus::Registry& registry)
      : enterprise_metrics(registry),
        park_metrics(registry),
        enterprise(topics, 6, enterprise_metrics),
        park(topics, clock, park_metrics) {}
  struct Result {
    cw::aggregator::EnterpriseStageCounts counts;
    std::vector<cw::kafka::OutRecord> sent;
    int snapshots = 0;
  };
  Result Process(const cw::kafka::Message& m) {
    Result r;
    cw::store::StagedStore s1(store);
    std::vector<cw::kafka::OutRecord> out1, out2;
    CW_FUZZ_CHECK(enterprise.Apply({m}, true, s1, out1).ok());
    CW_FUZZ_CHECK(s1.Commit().ok());
    r.counts = enterprise.last_counts();
    std::vector<cw::kafka::Message> contributions;
    for (auto& rec : out1) {
      if (rec.topic == topics.contributions) {
        contributions.push_back({rec.topic, rec.partition, next_offset++, rec.key, rec.value, 0});
      } else {
        r.sent.push_back(rec);
      }
    }
    cw::store::StagedStore s2(store);
    CW_FUZZ_CHECK(park.Apply(contributions, true, s2, out2).ok());
    CW_FUZZ_CHECK(park.Flush(s2, out2).ok());
    CW_FUZZ_CHECK(s2.Commit().ok());
    for (auto& rec : out2) {
      if (rec.topic == topics.park_metrics) ++r.snapshots;
      r.sent.push_back(rec);
    }
    return r;
  }
  const cw::kafka::Topics topics;
  cw::store::MemoryStore store;
  cw::obs::FakeClock clock;
  cw::aggregator::EnterpriseStageMetrics enterprise_metrics;
  cw::aggregator::ParkStageMetrics park_metrics;
  cw::aggregator::EnterpriseStage enterprise;
  cw::aggregator::ParkStage park;
  int64_t next_offset = 0;
};

cw::kafka::Message MessageAt(const cw::kafka::Topics& topics, int64_t offset,
                             const std::string& value) {
  cw::kafka::Message m;
  m.topic = topics.reports;
  m.partition = 0;
  m.offset = offset;
  m.key = "fuzz";
  m.value = value;
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static prometheus::Registry* registry = new prometheus::Registry;
  Pipeline p(*registry);
  const cw::kafka::Topics& topics = p.topics;
  cw::store::MemoryStore& store = p.store;

  const std::string value(reinterpret_cast<const char*>(data), size);
  pb::ReportEnvelope env;
  const bool decodable = Decodable(value, &env);

  Pipeline::Result r = p.Process(MessageAt(topics, kOffset, value));
  CW_FUZZ_CHECK(r.counts.applied + r.counts.duplicates + r.counts.stale + r.counts.poison == 1);
  CW_FUZZ_CHECK(r.counts.duplicates == 0 && r.counts.stale == 0);
  CW_FUZZ_CHECK((r.counts.poison == 1) == !decodable);

  const std::vector<cw::kafka::OutRecord>& sent = r.sent;
  if (!decodable) {
    CW_FUZZ_CHECK(sent.size() == 1);
    CW_FUZZ_CHECK(sent[0].topic == topics.rejected);
    CW_FUZZ_CHECK(sent[0].key == cw::domain::DeadLetterKey(topics.reports, 0, kOffset));
    pb::RejectedRecord rej;
    CW_FUZZ_CHECK(rej.ParseFromString(sent[0].value));
    CW_FUZZ_CHECK(rej.stage() == "aggregator");
    CW_FUZZ_CHECK(!rej.reason().empty());
    CW_FUZZ_CHECK(rej.raw() == value);
    CW_FUZZ_CHECK(rej.source_topic() == topics.reports);
    CW_FUZZ_CHECK(rej.source_partition() == 0 && rej.source_offset() == kOffset);
    CW_FUZZ_CHECK(r.snapshots == 0);
    for (const char* prefix : {"y|", "a|", "c|", "f|"}) {
      CW_FUZZ_CHECK(CountKeys(store, prefix) == 0);
    }
  } else {
    const bool out = env.has_output();
    const pb::Period& period = out ? env.output().period() : env.tax().period();
    const std::string& park = out ? env.output().park_id() : env.tax().park_id();
    const std::string snapshot_key = park + "|" + cw::domain::FromProto(period).Key();
    CW_FUZZ_CHECK(CountKeys(store, "y|") == 1);
    CW_FUZZ_CHECK(CountKeys(store, "c|") == 1);
    auto agg = store.Get("a|" + snapshot_key);
    CW_FUZZ_CHECK(agg.ok() && agg->has_value());
    CW_FUZZ_CHECK(r.snapshots == 1);
    CW_FUZZ_CHECK(sent.size() == 1);
    CW_FUZZ_CHECK(sent[0].topic == topics.park_metrics);
    CW_FUZZ_CHECK(sent[0].key == snapshot_key);
    pb::ParkSnapshot snap;
    CW_FUZZ_CHECK(snap.ParseFromString(sent[0].value));
    CW_FUZZ_CHECK(snap.park_id() == park);
    if (out) {
      CW_FUZZ_CHECK(snap.month().gross_output().fen() == env.output().gross_output().fen());
      CW_FUZZ_CHECK(snap.month().output_reporters() == 1);
      CW_FUZZ_CHECK(snap.month().tax_reporters() == 0);
    } else {
      CW_FUZZ_CHECK(snap.month().total_tax().fen() == env.tax().total_tax().fen());
      CW_FUZZ_CHECK(snap.month().tax_reporters() == 1);
      CW_FUZZ_CHECK(snap.month().output_reporters() == 0);
    }
  }

  // A redelivery of the same bytes (a consumer restart before its offset was stored).
  Pipeline::Result again = p.Process(MessageAt(topics, kOffset + 1, value));
  CW_FUZZ_CHECK(again.counts.applied + again.counts.duplicates + again.counts.stale +
                    again.counts.poison == 1);
  if (decodable) {
    CW_FUZZ_CHECK(again.counts.duplicates == 1);
    CW_FUZZ_CHECK(again.sent.empty());
  } else {
    CW_FUZZ_CHECK(again.counts.poison == 1);
    CW_FUZZ_CHECK(again.sent.size() == 1);
    CW_FUZZ_CHECK(CountKeys(store, "a|") == 0);
  }
  return 0;
}
