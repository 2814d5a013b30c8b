// Fuzz target: the aggregator's decode path end to end. One input = the value of one
// message on the reports topic, fed to Aggregator::ProcessBatch over a fresh MemoryStore
// and FakeProducer, then fed again (a redelivery) at the next offset.
//
// Invariants (a violation traps):
//  - ProcessBatch never fails (the fakes inject no faults) and its outcome counts add up to
//    exactly 1; with an empty store the outcome is applied or poison;
//  - poison exactly when the bytes do not decode as a ReportEnvelope, or the envelope has
//    no report, a USCC that is not 18 bytes, no park id (or one with '|'), or a period
//    outside 1949..2100 / 1..12 / jan_feb with month 2 (checked independently here);
//  - poison: exactly one record was produced, on the rejected topic, keyed by the message's
//    topic|partition|offset, decoding as a RejectedRecord from stage "aggregator" with a
//    reason and the message bytes as raw; nothing reached the state (no r|, c|, a| or d|
//    keys, only the offset) and no park-metrics snapshot was produced;
//  - applied: the report is stored under r|, the park aggregate exists, one snapshot for
//    park|period is produced whose month value and reporter count are the report's, no
//    dead letter is produced;
//  - both: the stored next offset is the message's offset + 1; the redelivery is a
//    duplicate (applied before) or poison again (poison before).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "aggregator/aggregator.h"
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

// The aggregator's acceptance rule, restated independently of aggregator.cc.
bool Decodable(const std::string& value, pb::ReportEnvelope* env) {
  if (!env->ParseFromString(value)) return false;
  if (env->body_case() == pb::ReportEnvelope::BODY_NOT_SET) return false;
  const bool out = env->has_output();
  const std::string& uscc = out ? env->output().uscc() : env->tax().uscc();
  const std::string& park = out ? env->output().park_id() : env->tax().park_id();
  const pb::Period& p = out ? env->output().period() : env->tax().period();
  if (uscc.size() != 18) return false;
  if (park.empty() || park.find('|') != std::string::npos) return false;
  if (p.year() < 1949 || p.year() > 2100 || p.month() < 1 || p.month() > 12) return false;
  if (p.jan_feb() && p.month() != 2) return false;
  // Money within [0, 12 × 1e12 yuan] in fen, employees within [0, 1e8].
  constexpr int64_t kMaxFen = 12LL * 100'000'000'000'000;
  auto bad = [](const pb::Money& m) { return m.fen() < 0 || m.fen() > kMaxFen; };
  if (out) {
    const auto& r = env->output();
    if (bad(r.gross_output()) || bad(r.sales_output()) || bad(r.export_delivery()) ||
        r.employees() < 0 || r.employees() > 100'000'000) {
      return false;
    }
  } else {
    const auto& r = env->tax();
    if (bad(r.total_tax()) || bad(r.vat()) || bad(r.corporate_income_tax())) return false;
    for (const auto& cp : r.counterparties()) {
      if (bad(cp.purchases())) return false;
    }
  }
  return true;
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

std::string StoredOffset(cw::store::MemoryStore& store, const cw::kafka::Topics& topics) {
  auto v = store.Get(cw::aggregator::OffsetKey({topics.reports, 0}));
  CW_FUZZ_CHECK(v.ok() && v->has_value());
  return **v;
}

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
  static cw::aggregator::AggregatorMetrics* metrics =
      new cw::aggregator::AggregatorMetrics(*registry);
  const cw::kafka::Topics topics;
  cw::store::MemoryStore store;
  cw::kafka::FakeProducer producer;
  cw::obs::FakeClock clock;
  cw::aggregator::Aggregator aggregator(store, producer, clock, topics, *metrics);

  const std::string value(reinterpret_cast<const char*>(data), size);
  pb::ReportEnvelope env;
  const bool decodable = Decodable(value, &env);

  absl::StatusOr<cw::aggregator::BatchResult> r =
      aggregator.ProcessBatch({MessageAt(topics, kOffset, value)});
  CW_FUZZ_CHECK(r.ok());
  CW_FUZZ_CHECK(r->applied + r->duplicates + r->stale + r->poison == 1);
  CW_FUZZ_CHECK(r->duplicates == 0 && r->stale == 0);
  CW_FUZZ_CHECK((r->poison == 1) == !decodable);
  CW_FUZZ_CHECK(StoredOffset(store, topics) == std::to_string(kOffset + 1));

  const std::vector<cw::kafka::OutRecord> sent = producer.sent_ForTest();
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
    CW_FUZZ_CHECK(r->snapshots_published == 0);
    for (const char* prefix : {"y|", "a|", "d|"}) {
      CW_FUZZ_CHECK(CountKeys(store, prefix) == 0);
    }
  } else {
    const bool out = env.has_output();
    const pb::Period& period = out ? env.output().period() : env.tax().period();
    const std::string& park = out ? env.output().park_id() : env.tax().park_id();
    const std::string snapshot_key =
        park + "|" + cw::domain::FromProto(period).Key();
    CW_FUZZ_CHECK(CountKeys(store, "y|") == 1);
    CW_FUZZ_CHECK(CountKeys(store, "d|") == 0);  // cleared once the snapshot was produced
    auto agg = store.Get("a|" + snapshot_key);
    CW_FUZZ_CHECK(agg.ok() && agg->has_value());
    CW_FUZZ_CHECK(r->snapshots_published == 1);
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
  producer.Clear_ForTest();
  absl::StatusOr<cw::aggregator::BatchResult> again =
      aggregator.ProcessBatch({MessageAt(topics, kOffset + 1, value)});
  CW_FUZZ_CHECK(again.ok());
  CW_FUZZ_CHECK(again->applied + again->duplicates + again->stale + again->poison == 1);
  if (decodable) {
    CW_FUZZ_CHECK(again->duplicates == 1);
    CW_FUZZ_CHECK(producer.sent_ForTest().empty());
  } else {
    CW_FUZZ_CHECK(again->poison == 1);
    CW_FUZZ_CHECK(producer.sent_ForTest().size() == 1);
    CW_FUZZ_CHECK(CountKeys(store, "a|") == 0);
  }
  CW_FUZZ_CHECK(StoredOffset(store, topics) == std::to_string(kOffset + 2));
  return 0;
}
