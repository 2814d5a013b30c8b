#include "aggregator/aggregator.h"

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clusterwatch/v1/reports.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/domain/dead_letter.h"
#include "common/domain/derive.h"
#include "common/domain/totals.h"
#include "common/domain/validate.h"

namespace cw::aggregator {
namespace {

namespace pb = clusterwatch::v1;

// Store key layout (all '|'-separated; no id or period key contains '|'):
//   r|<uscc>|<o|t>|<year>|<period>  latest accepted ReportEnvelope
//   c|<uscc>|<o|t>|<year>|<period>  Contribution derived from it
//   a|<park>|<period>               ParkAggregate
//   d|<park>|<period>               dirty mark: snapshot not yet acknowledged by Kafka;
//                                   value: "<topic>|<partition>" the park's reports come from
//   o|<topic>|<partition>           next offset to consume
std::string YearPrefix(char table, const std::string& uscc, char kind, int year) {
  return absl::StrCat(std::string(1, table), "|", uscc, "|", std::string(1, kind), "|", year,
                      "|");
}

std::string ParkPeriodKey(const std::string& park, const std::string& period_key) {
  return absl::StrCat(park, "|", period_key);
}

bool ValidPeriod(const pb::Period& p) {
  return p.year() >= 1949 && p.year() <= 2100 && p.month() >= 1 && p.month() <= 12 &&
         (!p.jan_feb() || p.month() == 2);
}

// Why an envelope cannot be applied, or "" when it can.
std::string Malformed(const pb::ReportEnvelope& env) {
  if (env.body_case() == pb::ReportEnvelope::BODY_NOT_SET) return "envelope has no report";
  const bool out = env.has_output();
  const std::string& uscc = out ? env.output().uscc() : env.tax().uscc();
  const std::string& park = out ? env.output().park_id() : env.tax().park_id();
  const pb::Period& period = out ? env.output().period() : env.tax().period();
  if (uscc.size() != 18) return "uscc: expected 18 characters";
  if (park.empty() || park.find('|') != std::string::npos) return "park_id: missing or invalid";
  if (!ValidPeriod(period)) return "period: expected year 1949..2100 and month 1..12";
  // Ingest refuses implausible money; a message written past it must not overflow the sums.
  constexpr int64_t kMaxFen = 12 * domain::ValidationLimits().max_month_fen;
  auto bad_money = [](const pb::Money& m) { return m.fen() < 0 || m.fen() > kMaxFen; };
  if (out) {
    const auto& r = env.output();
    if (bad_money(r.gross_output()) || bad_money(r.sales_output()) ||
        bad_money(r.export_delivery()) || r.employees() < 0 || r.employees() > 100'000'000) {
      return "money or employees: negative or implausibly large (as ingest would refuse)";
    }
  } else {
    const auto& r = env.tax();
    bool bad = bad_money(r.total_tax()) || bad_money(r.vat()) ||
               bad_money(r.corporate_income_tax());
    for (const auto& cp : r.counterparties()) bad = bad || bad_money(cp.purchases());
    if (bad) return "money: negative or implausibly large (as ingest would refuse)";
  }
  return "";
}

bool IsYtd(pb::ValueBasis b) { return b == pb::VALUE_BASIS_YEAR_TO_DATE; }

// The derivation inputs of one report.
domain::PeriodValues ValuesOf(const pb::ReportEnvelope& env) {
  domain::PeriodValues v;
  if (env.has_output()) {
    const auto& r = env.output();
    v.period = domain::FromProto(r.period());
    v.ytd_basis = IsYtd(r.basis());
    v.flows = {r.gross_output().fen(), r.sales_output().fen(), r.export_delivery().fen(), 0, 0,
               0, 0, 0, 0};
    v.level = r.employees();
  } else {
    const auto& r = env.tax();
    v.period = domain::FromProto(r.period());
    v.ytd_basis = IsYtd(r.basis());
    // Linkage: purchases from sellers in the same park, and in the same prefecture-level
    // region (first four digits of the county code; the seller's from the registry, else
    // from its USCC).
    int64_t all = 0, in_park = 0, in_region = 0;
    const std::string prefecture = r.park_county().substr(0, 4);
    // Saturating sums: a message written past ingest's validation must not overflow them.
    auto add = [](int64_t& sum, int64_t v) {
      if (v < 0) return;
      sum = v > INT64_MAX - sum ? INT64_MAX : sum + v;
    };
    for (const auto& cp : r.counterparties()) {
      add(all, cp.purchases().fen());
      if (!cp.park_id().empty() && cp.park_id() == r.park_id()) add(in_park, cp.purchases().fen());
      const std::string county =
          !cp.county_code().empty() ? cp.county_code()
                                    : (cp.uscc().size() == 18 ? cp.uscc().substr(2, 6) : "");
      if (prefecture.size() == 4 && county.substr(0, 4) == prefecture) {
        add(in_region, cp.purchases().fen());
      }
    }
    v.flows = {0, 0, 0, r.total_tax().fen(), r.vat().fen(), r.corporate_income_tax().fen(),
               all, in_park, in_region};
  }
  return v;
}

pb::Totals TotalsOf(const std::array<int64_t, domain::kFlowFields>& f, int64_t level,
                    bool output, bool count) {
  pb::Totals t;
  if (output) {
    t.mutable_gross_output()->set_fen(f[0]);
    t.mutable_sales_output()->set_fen(f[1]);
    t.mutable_export_delivery()->set_fen(f[2]);
    t.set_employees(level);
    if (count) t.set_output_reporters(1);
  } else {
    t.mutable_total_tax()->set_fen(f[3]);
    t.mutable_vat()->set_fen(f[4]);
    t.mutable_corporate_income_tax()->set_fen(f[5]);
    t.mutable_purchases()->set_fen(f[6]);
    t.mutable_purchases_in_park()->set_fen(f[7]);
    t.mutable_purchases_in_region()->set_fen(f[8]);
    if (count) t.set_tax_reporters(1);
  }
  return t;
}

}  // namespace

AggregatorMetrics::AggregatorMetrics(prometheus::Registry& registry)
    : applied(prometheus::BuildCounter()
                  .Name("cw_aggregator_records_total")
                  .Help("Report messages by outcome")
                  .Register(registry)
                  .Add({{"outcome", "applied"}})),
      duplicates(prometheus::BuildCounter()
                     .Name("cw_aggregator_records_total")
                     .Help("Report messages by outcome")
                     .Register(registry)
                     .Add({{"outcome", "duplicate"}})),
      stale(prometheus::BuildCounter()
                .Name("cw_aggregator_records_total")
                .Help("Report messages by outcome")
                .Register(registry)
                .Add({{"outcome", "stale"}})),
      poison(prometheus::BuildCounter()
                 .Name("cw_aggregator_records_total")
                 .Help("Report messages by outcome")
                 .Register(registry)
                 .Add({{"outcome", "poison"}})),
      batches(prometheus::BuildCounter()
                  .Name("cw_aggregator_batches_total")
                  .Help("Batches committed to the store")
                  .Register(registry)
                  .Add({})),
      snapshots(prometheus::BuildCounter()
                    .Name("cw_aggregator_snapshots_published_total")
                    .Help("Park-period snapshots acknowledged by Kafka")
                    .Register(registry)
                    .Add({})),
      store_errors(prometheus::BuildCounter()
                       .Name("cw_aggregator_store_errors_total")
                       .Help("Failed state-store writes (batch not committed)")
                       .Register(registry)
                       .Add({})),
      publish_errors(prometheus::BuildCounter()
                         .Name("cw_aggregator_publish_errors_total")
                         .Help("Failed snapshot publications (retried)")
                         .Register(registry)
                         .Add({})),
      batch_seconds(prometheus::BuildHistogram()
                        .Name("cw_aggregator_batch_seconds")
                        .Help("Time to apply and commit one batch")
                        .Register(registry)
                        .Add({}, prometheus::Histogram::BucketBoundaries{
                                     0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})) {}

std::string OffsetKey(const kafka::TopicPartition& tp) {
  return absl::StrCat("o|", tp.topic, "|", tp.partition);
}

Aggregator::Aggregator(store::Store& store, kafka::Producer& producer, const obs::Clock& clock,
                       kafka::Topics topics, AggregatorMetrics& metrics)
    : store_(store),
      producer_(producer),
      clock_(clock),
      topics_(std::move(topics)),
      metrics_(metrics) {}

absl::StatusOr<std::optional<int64_t>> Aggregator::StoredOffset(
    const kafka::TopicPartition& tp) {
  auto v = store_.Get(OffsetKey(tp));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<int64_t>();
  int64_t off = 0;
  if (!absl::SimpleAtoi(**v, &off)) {
    return absl::DataLossError(absl::StrCat("stored offset of ", tp.topic, "/", tp.partition,
                                            " is not a number: ", **v));
  }
  return std::optional<int64_t>(off);
}

absl::StatusOr<BatchResult> Aggregator::ProcessBatch(
    const std::vector<kafka::Message>& messages) {
  const auto started = std::chrono::steady_clock::now();
  BatchResult result;
  store::StagedStore staged(store_);
  std::set<YearKey> touched;
  std::map<kafka::TopicPartition, int64_t> next_offsets;
  std::map<std::string, int64_t> park_offsets;  // park -> highest offset seen
  std::map<std::string, std::string> park_sources;  // park -> "topic|partition"
  std::vector<kafka::OutRecord> dead_letters;

  for (const auto& m : messages) {
    next_offsets[{m.topic, m.partition}] = m.offset + 1;
    pb::ReportEnvelope env;
    std::string bad;
    bool decoded = true;
    if (!env.ParseFromString(m.value)) {
      bad = "value is not a clusterwatch.v1.ReportEnvelope protobuf";
      decoded = false;
    } else {
      bad = Malformed(env);
    }
    if (!bad.empty()) {
      auto rej = domain::DeadLetter("aggregator", bad, m.topic, m.partition, m.offset, m.value);
      // Only a decoded envelope's provenance: a partly parsed one may hold invalid UTF-8
      // that would make the dead letter itself undecodable.
      if (decoded) *rej.mutable_provenance() = env.provenance();
      dead_letters.push_back({topics_.rejected,
                              domain::DeadLetterKey(m.topic, m.partition, m.offset),
                              rej.SerializeAsString()});
      ++result.poison;
      continue;
    }
    const bool out = env.has_output();
    const char kind = out ? 'o' : 't';
    const std::string& uscc = out ? env.output().uscc() : env.tax().uscc();
    const domain::Period period = domain::FromProto(out ? env.output().period()
                                                        : env.tax().period());
    const int revision = out ? env.output().revision() : env.tax().revision();
    const std::string rkey = YearPrefix('r', uscc, kind, period.year) + period.Key();

    auto old_bytes = staged.Get(rkey);
    if (!old_bytes.ok()) return old_bytes.status();
    if (old_bytes->has_value()) {
      pb::ReportEnvelope old;
      old.ParseFromString(**old_bytes);
      const int old_rev = old.has_output() ? old.output().revision() : old.tax().revision();
      if (revision < old_rev) {
        ++result.stale;
        continue;
      }
      if (revision == old_rev) {
        if (env.provenance().submission_id() == old.provenance().submission_id()) {
          ++result.duplicates;
          continue;
        }
        if (env.provenance().received_unix_ms() <= old.provenance().received_unix_ms()) {
          ++result.stale;
          continue;
        }
      }
    }
    staged.Put(rkey, m.value);
    touched.insert({uscc, kind, period.year});
    const std::string& park = out ? env.output().park_id() : env.tax().park_id();
    auto& po = park_offsets[park];
    po = std::max(po, m.offset);
    park_sources[park] = absl::StrCat(m.topic, "|", m.partition);
    ++result.applied;
  }

  // Recompute the derived contributions of every touched (enterprise, kind, year) and move
  // the differences into the park aggregates.
  std::map<std::string, pb::ParkAggregate> aggregates;  // key: park|period
  std::map<std::string, domain::Period> agg_periods;
  auto load_agg = [&](const std::string& park,
                      const domain::Period& p) -> absl::StatusOr<pb::ParkAggregate*> {
    std::string k = ParkPeriodKey(park, p.Key());
    auto it = aggregates.find(k);
    if (it != aggregates.end()) return &it->second;
    auto bytes = staged.Get("a|" + k);
    if (!bytes.ok()) return bytes.status();
    pb::ParkAggregate agg;
    if (bytes->has_value()) agg.ParseFromString(**bytes);
    agg_periods[k] = p;
    return &aggregates.emplace(k, std::move(agg)).first->second;
  };

  for (const auto& yk : touched) {
    std::vector<domain::PeriodValues> values;
    std::map<std::string, pb::ReportEnvelope> reports;  // period key -> report
    auto s = staged.Scan(YearPrefix('r', yk.uscc, yk.kind, yk.year),
                         [&](std::string_view, std::string_view v) {
                           pb::ReportEnvelope env;
                           env.ParseFromArray(v.data(), static_cast<int>(v.size()));
                           auto pv = ValuesOf(env);
                           reports[pv.period.Key()] = env;
                           values.push_back(pv);
                           return true;
                         });
    if (!s.ok()) return s;
    std::map<std::string, pb::Contribution> fresh;
    for (const auto& d : domain::DeriveYear(values)) {
      const auto& env = reports[d.period.Key()];
      pb::Contribution c;
      const bool out = yk.kind == 'o';
      c.set_park_id(out ? env.output().park_id() : env.tax().park_id());
      c.set_uscc(yk.uscc);
      c.set_industry(out ? env.output().industry() : env.tax().industry());
      *c.mutable_month() = TotalsOf(d.month, d.level, out, true);
      *c.mutable_year_to_date() = TotalsOf(d.ytd, d.level, out, true);
      fresh[d.period.Key()] = std::move(c);
    }
    std::map<std::string, pb::Contribution> old;
    const std::string cprefix = YearPrefix('c', yk.uscc, yk.kind, yk.year);
    s = staged.Scan(cprefix, [&](std::string_view k, std::string_view v) {
      pb::Contribution c;
      c.ParseFromArray(v.data(), static_cast<int>(v.size()));
      old[std::string(k.substr(cprefix.size()))] = std::move(c);
      return true;
    });
    if (!s.ok()) return s;
    for (const auto& [pkey, c] : fresh) {
      auto it = old.find(pkey);
      const domain::Period period = domain::FromProto(reports[pkey].has_output()
                                                          ? reports[pkey].output().period()
                                                          : reports[pkey].tax().period());
      if (it != old.end()) {
        if (it->second.SerializeAsString() == c.SerializeAsString()) continue;
        auto agg = load_agg(it->second.park_id(), period);
        if (!agg.ok()) return agg.status();
        domain::ApplyContribution(**agg, it->second, -1);
      }
      auto agg = load_agg(c.park_id(), period);
      if (!agg.ok()) return agg.status();
      domain::ApplyContribution(**agg, c, +1);
      staged.Put(cprefix + pkey, c.SerializeAsString());
    }
  }

  for (auto& [k, agg] : aggregates) {
    const std::string park = k.substr(0, k.find('|'));
    auto po = park_offsets.find(park);
    if (po != park_offsets.end()) {
      agg.set_source_offset(std::max(agg.source_offset(), po->second));
    }
    staged.Put("a|" + k, agg.SerializeAsString());
    auto src = park_sources.find(park);
    staged.Put("d|" + k, src == park_sources.end() ? "" : src->second);
  }
  for (const auto& [tp, off] : next_offsets) staged.Put(OffsetKey(tp), absl::StrCat(off));

  // Dead letters first: once the offsets are committed the poison is never seen again.
  if (!dead_letters.empty()) {
    if (auto s = producer_.ProduceAll(dead_letters, absl::Seconds(30)); !s.ok()) {
      metrics_.publish_errors.Increment();
      return s;
    }
  }
  if (auto s = staged.Commit(); !s.ok()) {
    metrics_.store_errors.Increment();
    return s;
  }
  metrics_.batches.Increment();
  metrics_.applied.Increment(result.applied);
  metrics_.duplicates.Increment(result.duplicates);
  metrics_.stale.Increment(result.stale);
  metrics_.poison.Increment(result.poison);

  std::set<std::string> dirty;
  for (const auto& [k, agg] : aggregates) dirty.insert(k);
  auto published = PublishDirty(dirty, result);
  metrics_.batch_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!published.ok()) return published;
  return result;
}

absl::Status Aggregator::PublishDirty(const std::set<std::string>& dirty_keys,
                                      BatchResult& result) {
  if (dirty_keys.empty()) return absl::OkStatus();
  std::vector<kafka::OutRecord> records;
  store::Batch clear;
  const int64_t now = clock_.NowUnixMs();
  for (const auto& k : dirty_keys) {
    auto bytes = store_.Get("a|" + k);
    if (!bytes.ok()) return bytes.status();
    pb::ParkAggregate agg;
    if (bytes->has_value()) agg.ParseFromString(**bytes);
    const auto bar = k.find('|');
    const std::string park = k.substr(0, bar);
    auto period = domain::ParsePeriod(k.substr(bar + 1));
    if (!period.ok()) return period.status();
    records.push_back({topics_.park_metrics, k,
                       domain::BuildSnapshot(park, *period, agg, now).SerializeAsString()});
    clear.Delete("d|" + k);
  }
  if (auto s = producer_.ProduceAll(records, absl::Seconds(30)); !s.ok()) {
    metrics_.publish_errors.Increment();
    return s;
  }
  result.snapshots_published += static_cast<int>(records.size());
  metrics_.snapshots.Increment(static_cast<double>(records.size()));
  if (auto s = store_.Write(clear); !s.ok()) {
    metrics_.store_errors.Increment();
    return s;  // the marks stay: a later PublishPending republishes (idempotent)
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Aggregator::PublishPending(
    const std::optional<std::vector<kafka::TopicPartition>>& owned) {
  std::set<std::string> owned_sources;
  if (owned) {
    for (const auto& tp : *owned) owned_sources.insert(absl::StrCat(tp.topic, "|", tp.partition));
  }
  std::set<std::string> dirty;
  auto s = store_.Scan("d|", [&](std::string_view k, std::string_view v) {
    // A park whose partition another instance owns now is that instance's to publish.
    if (owned && !v.empty() && owned_sources.count(std::string(v)) == 0) return true;
    dirty.insert(std::string(k.substr(2)));
    return true;
  });
  if (!s.ok()) return s;
  BatchResult result;
  if (auto p = PublishDirty(dirty, result); !p.ok()) return p;
  return result.snapshots_published;
}

}  // namespace cw::aggregator
