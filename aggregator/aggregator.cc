#include "aggregator/aggregator.h"

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/arena.h"
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
//   y|<uscc>|<o|t>|<year>|          EnterpriseYear: per period the accepted report's
//                                   identity and figures and the contribution applied
//   a|<park>|<period>               ParkAggregate (without firms)
//   f|<park>|<period>|<uscc>        FirmTotals of an enterprise's output in the park-period
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

// Fills `t` (empty) with a contribution's figures of one kind; the enterprise counts once.
void FillTotals(const std::array<int64_t, domain::kFlowFields>& f, int64_t level, bool output,
                pb::Totals& t) {
  if (output) {
    t.mutable_gross_output()->set_fen(f[0]);
    t.mutable_sales_output()->set_fen(f[1]);
    t.mutable_export_delivery()->set_fen(f[2]);
    t.set_employees(level);
    t.set_output_reporters(1);
  } else {
    t.mutable_total_tax()->set_fen(f[3]);
    t.mutable_vat()->set_fen(f[4]);
    t.mutable_corporate_income_tax()->set_fen(f[5]);
    t.mutable_purchases()->set_fen(f[6]);
    t.mutable_purchases_in_park()->set_fen(f[7]);
    t.mutable_purchases_in_region()->set_fen(f[8]);
    t.set_tax_reporters(1);
  }
}

// The "<topic>|<partition>" a dirty mark names as its park's source.
std::string SourceOf(const std::string& topic, int32_t partition) {
  return absl::StrCat(topic, "|", partition);
}

// The sources of the partitions in `owned`.
std::set<std::string> SourcesOf(const std::vector<kafka::TopicPartition>& owned) {
  std::set<std::string> out;
  for (const auto& tp : owned) out.insert(SourceOf(tp.topic, tp.partition));
  return out;
}

// One period's contribution as derived from an enterprise-year record.
struct Derived {
  const pb::EnterprisePeriod* entry;  // park, industry, period key
  domain::DerivedValues values;
};

// The contributions an enterprise-year record stands for: the derivation of its reported
// figures (what was applied to the aggregates when it was written). DATA_LOSS for a
// malformed record.
absl::StatusOr<std::vector<Derived>> DeriveRecord(const pb::EnterpriseYear& ey,
                                                  std::string_view what) {
  std::vector<domain::PeriodValues> values;
  values.reserve(static_cast<size_t>(ey.periods_size()));
  for (const auto& e : ey.periods()) {
    auto period = domain::ParsePeriod(e.period());
    if (!period.ok() || e.reported_size() != domain::kFlowFields) {
      return absl::DataLossError(
          absl::StrCat("state record of ", std::string(what), " has a bad period ", e.period()));
    }
    domain::PeriodValues pv;
    pv.period = *period;
    pv.ytd_basis = e.ytd_basis();
    std::copy(e.reported().begin(), e.reported().end(), pv.flows.begin());
    pv.level = e.level();
    values.push_back(pv);
  }
  auto derived = domain::DeriveYear(std::move(values));  // in period order, as ey.periods()
  std::vector<Derived> out;
  out.reserve(derived.size());
  for (size_t i = 0; i < derived.size(); ++i) {
    out.push_back({&ey.periods(static_cast<int>(i)), derived[i]});
  }
  return out;
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
                                     0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})),
      unpublished(prometheus::BuildGauge()
                      .Name("cw_aggregator_unpublished_snapshots")
                      .Help("Park-periods committed but not yet published (coalescing, or "
                            "Kafka unavailable)")
                      .Register(registry)
                      .Add({})) {}

std::string OffsetKey(const kafka::TopicPartition& tp) {
  return absl::StrCat("o|", tp.topic, "|", tp.partition);
}

absl::StatusOr<std::map<kafka::TopicPartition, int64_t>> StoredOffsets(store::Store& store) {
  std::map<kafka::TopicPartition, int64_t> out;
  std::string bad;
  auto s = store.Scan("o|", [&](std::string_view key, std::string_view value) {
    // o|<topic>|<partition>: topic names contain no '|'.
    const size_t bar = key.rfind('|');
    int partition = 0;
    int64_t offset = 0;
    if (bar <= 2 || !absl::SimpleAtoi(std::string(key.substr(bar + 1)), &partition) ||
        !absl::SimpleAtoi(std::string(value), &offset)) {
      bad = std::string(key);
      return false;
    }
    out[{std::string(key.substr(2, bar - 2)), partition}] = offset;
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.empty()) return absl::DataLossError(absl::StrCat("malformed offset entry ", bad));
  return out;
}

Aggregator::Aggregator(store::Store& store, kafka::Producer& producer, const obs::Clock& clock,
                       kafka::Topics topics, AggregatorMetrics& metrics,
                       AggregatorOptions options)
    : store_(store),
      producer_(producer),
      clock_(clock),
      topics_(std::move(topics)),
      metrics_(metrics),
      options_(options) {}

absl::Status Aggregator::CheckStateLayout() {
  bool old_layout = false;
  auto s = store_.Scan("c|", [&](std::string_view, std::string_view) {
    old_layout = true;
    return false;
  });
  if (!s.ok()) return s;
  if (old_layout) {
    return absl::FailedPreconditionError(
        "the state store holds per-report contribution rows (c|...) of an older aggregator; "
        "delete the state directory: the aggregator rebuilds it from the reports topic");
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Aggregator::PublishUnpublished() {
  std::set<std::string> dirty;
  for (const auto& [k, src] : unpublished_) dirty.insert(k);
  BatchResult result;
  if (auto p = PublishDirty(dirty, nullptr, result); !p.ok()) return p;
  return result.snapshots_published;
}

void Aggregator::SetPublishable(const std::vector<kafka::TopicPartition>& partitions) {
  publishable_ = SourcesOf(partitions);
  // Held park-periods of partitions no longer publishable: their dirty marks stay.
  std::erase_if(unpublished_, [this](const auto& e) { return !Publishable(e.second); });
  metrics_.unpublished.Set(static_cast<double>(unpublished_.size()));
}

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
  // Enterprise-years read in this batch, and whether a message of the batch changed them.
  // Every message of the batch lives on one arena: protobuf's per-field heap allocations
  // were most of the aggregator's CPU time (docs/performance.md).
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  // Per enterprise-year: the record as it will be written, whether the batch changed it,
  // and the contributions of the record as read (a copy: `before` must not see changes).
  struct YearState {
    pb::EnterpriseYear* record = nullptr;
    bool modified = false;
    pb::EnterpriseYear* as_read = nullptr;
    std::vector<Derived> before;
  };
  std::map<YearKey, YearState> years;
  std::map<kafka::TopicPartition, int64_t> next_offsets;
  std::map<std::string, int64_t> park_offsets;  // park -> highest offset seen
  std::map<std::string, std::string> park_sources;  // park -> "topic|partition"
  std::vector<kafka::OutRecord> dead_letters;

  auto load_year = [&](const YearKey& yk) -> absl::StatusOr<YearState*> {
    auto it = years.find(yk);
    if (it != years.end()) return &it->second;
    auto bytes = store_.Get(YearPrefix('y', yk.uscc, yk.kind, yk.year));
    if (!bytes.ok()) return bytes.status();
    YearState st;
    st.record = google::protobuf::Arena::CreateMessage<pb::EnterpriseYear>(&arena);
    if (bytes->has_value() && !st.record->ParseFromString(**bytes)) {
      return absl::DataLossError(absl::StrCat("state record of ", yk.uscc, "/",
                                              std::string(1, yk.kind), "/", yk.year,
                                              " is not an EnterpriseYear"));
    }
    return &years.emplace(yk, std::move(st)).first->second;
  };
  // Before the first change of a batch to an enterprise-year: keep the record as read and
  // the contributions it stands for (what the aggregates hold of it).
  auto keep_before = [&](const YearKey& yk, YearState& st) -> absl::Status {
    if (st.modified) return absl::OkStatus();
    st.modified = true;
    st.as_read = google::protobuf::Arena::CreateMessage<pb::EnterpriseYear>(&arena);
    *st.as_read = *st.record;
    auto before = DeriveRecord(
        *st.as_read, absl::StrCat(yk.uscc, "/", std::string(1, yk.kind), "/", yk.year));
    if (!before.ok()) return before.status();
    st.before = std::move(*before);
    return absl::OkStatus();
  };

  for (const auto& m : messages) {
    next_offsets[{m.topic, m.partition}] = m.offset + 1;
    auto& env = *google::protobuf::Arena::CreateMessage<pb::ReportEnvelope>(&arena);
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
    const std::string pkey = period.Key();

    auto ey = load_year({uscc, kind, period.year});
    if (!ey.ok()) return ey.status();
    auto& periods = *(*ey)->record->mutable_periods();
    // Periods are kept in key order (= period order); a year has at most 13 keys.
    auto pos = std::lower_bound(
        periods.begin(), periods.end(), pkey,
        [](const pb::EnterprisePeriod& e, const std::string& k) { return e.period() < k; });
    pb::EnterprisePeriod* e = nullptr;
    if (pos != periods.end() && pos->period() == pkey) {
      e = &*pos;
      if (revision < e->revision()) {
        ++result.stale;
        continue;
      }
      if (revision == e->revision()) {
        if (env.provenance().submission_id() == e->submission_id()) {
          ++result.duplicates;
          continue;
        }
        if (env.provenance().received_unix_ms() <= e->received_unix_ms()) {
          ++result.stale;
          continue;
        }
      }
    }
    const bool exists = e != nullptr;
    const auto index = pos - periods.begin();
    if (auto st = keep_before({uscc, kind, period.year}, **ey); !st.ok()) return st;
    if (!exists) {
      periods.Add();
      for (auto i = periods.size() - 1; i > index; --i) periods.SwapElements(i, i - 1);
      e = periods.Mutable(static_cast<int>(index));
      e->set_period(pkey);
    }
    const domain::PeriodValues v = ValuesOf(env);
    e->set_revision(revision);
    e->set_submission_id(env.provenance().submission_id());
    e->set_received_unix_ms(env.provenance().received_unix_ms());
    e->set_park_id(out ? env.output().park_id() : env.tax().park_id());
    e->set_industry(out ? env.output().industry() : env.tax().industry());
    e->set_ytd_basis(v.ytd_basis);
    e->mutable_reported()->Assign(v.flows.begin(), v.flows.end());
    e->set_level(v.level);
    // Where the accepted report itself is: the reports topic is the system of record.
    e->set_source_partition(m.partition);
    e->set_source_offset(m.offset);
    const std::string& park = e->park_id();
    auto& po = park_offsets[park];
    po = std::max(po, m.offset);
    park_sources[park] = SourceOf(m.topic, m.partition);
    ++result.applied;
  }

  // Re-derive every touched enterprise-year and move the differences between the new and
  // the last applied contributions into the park aggregates.
  std::map<std::string, pb::ParkAggregate*> aggregates;  // key: park|period
  auto load_agg = [&](const std::string& park,
                      const std::string& period_key) -> absl::StatusOr<pb::ParkAggregate*> {
    std::string k = ParkPeriodKey(park, period_key);
    auto it = aggregates.find(k);
    if (it != aggregates.end()) return it->second;
    auto bytes = staged.Get("a|" + k);
    if (!bytes.ok()) return bytes.status();
    auto* agg = google::protobuf::Arena::CreateMessage<pb::ParkAggregate>(&arena);
    if (bytes->has_value()) agg->ParseFromString(**bytes);
    aggregates.emplace(std::move(k), agg);
    return agg;
  };
  // Firms of park-periods touched in this batch, key park|period|uscc; `present` false once
  // a removal brought the firm to zero (its record is deleted).
  struct FirmSlot {
    pb::FirmTotals* firm;
    bool present;
  };
  std::map<std::string, FirmSlot> firms;
  auto apply = [&](const std::string& park, const std::string& period_key,
                   const pb::Contribution& c, int sign) -> absl::Status {
    auto agg = load_agg(park, period_key);
    if (!agg.ok()) return agg.status();
    domain::ApplyContributionTotals(**agg, c, sign);
    if (!domain::HasFirm(c)) return absl::OkStatus();
    std::string fk = absl::StrCat(park, "|", period_key, "|", c.uscc());
    auto it = firms.find(fk);
    if (it == firms.end()) {
      auto bytes = staged.Get("f|" + fk);
      if (!bytes.ok()) return bytes.status();
      auto* f = google::protobuf::Arena::CreateMessage<pb::FirmTotals>(&arena);
      if (bytes->has_value()) f->ParseFromString(**bytes);
      it = firms.emplace(std::move(fk), FirmSlot{f, bytes->has_value()}).first;
    }
    if (!it->second.present) it->second.firm->Clear();  // a new entry starts from zero
    it->second.present = domain::ApplyContributionToFirm(*it->second.firm, c, sign);
    return absl::OkStatus();
  };

  for (auto& [yk, st] : years) {
    if (!st.modified) continue;  // only duplicates or stale revisions
    const bool out = yk.kind == 'o';
    const pb::EnterpriseYear& ey = *st.record;
    auto after = DeriveRecord(
        ey, absl::StrCat(yk.uscc, "/", std::string(1, yk.kind), "/", yk.year));
    if (!after.ok()) return after.status();
    // Periods are only ever added, so `before` is a subsequence of `after` (both in order).
    size_t b = 0;
    for (const Derived& a : *after) {
      const Derived* old = nullptr;
      if (b < st.before.size() && st.before[b].entry->period() == a.entry->period()) {
        old = &st.before[b++];
      }
      const auto& d = a.values;
      if (old != nullptr && old->entry->park_id() == a.entry->park_id() &&
          old->entry->industry() == a.entry->industry() && old->values.level == d.level &&
          old->values.month == d.month && old->values.ytd == d.ytd) {
        continue;  // its contribution is unchanged
      }
      if (old != nullptr) {
        auto& c = *google::protobuf::Arena::CreateMessage<pb::Contribution>(&arena);
        c.set_park_id(old->entry->park_id());
        c.set_uscc(yk.uscc);
        c.set_industry(old->entry->industry());
        FillTotals(old->values.month, old->values.level, out, *c.mutable_month());
        FillTotals(old->values.ytd, old->values.level, out, *c.mutable_year_to_date());
        if (auto s2 = apply(old->entry->park_id(), old->entry->period(), c, -1); !s2.ok()) {
          return s2;
        }
      }
      auto& c = *google::protobuf::Arena::CreateMessage<pb::Contribution>(&arena);
      c.set_park_id(a.entry->park_id());
      c.set_uscc(yk.uscc);
      c.set_industry(a.entry->industry());
      FillTotals(d.month, d.level, out, *c.mutable_month());
      FillTotals(d.ytd, d.level, out, *c.mutable_year_to_date());
      if (auto s2 = apply(a.entry->park_id(), a.entry->period(), c, +1); !s2.ok()) return s2;
    }
    if (b != st.before.size()) {
      return absl::InternalError(absl::StrCat("periods of ", yk.uscc, "/", yk.year,
                                              " disappeared from its state record"));
    }
    staged.Put(YearPrefix('y', yk.uscc, yk.kind, yk.year), ey.SerializeAsString());
  }

  for (auto& [k, agg_ptr] : aggregates) {
    pb::ParkAggregate& agg = *agg_ptr;
    const std::string park = k.substr(0, k.find('|'));
    auto po = park_offsets.find(park);
    if (po != park_offsets.end()) {
      agg.set_source_offset(std::max(agg.source_offset(), po->second));
    }
    staged.Put("a|" + k, agg.SerializeAsString());
    auto src = park_sources.find(park);
    staged.Put("d|" + k, src == park_sources.end() ? "" : src->second);
  }
  for (const auto& [fk, slot] : firms) {
    if (slot.present) {
      staged.Put("f|" + fk, slot.firm->SerializeAsString());
    } else {
      staged.Delete("f|" + fk);
    }
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

  for (const auto& [k, agg] : aggregates) {
    const std::string park = k.substr(0, k.find('|'));
    auto src = park_sources.find(park);
    std::string source = src == park_sources.end() ? "" : src->second;
    // A partition still catching up publishes nothing yet: its dirty marks are sent in
    // full by PublishPending once it is publishable.
    if (Publishable(source)) unpublished_[k] = std::move(source);
  }
  metrics_.unpublished.Set(static_cast<double>(unpublished_.size()));
  absl::Status published = absl::OkStatus();
  const int64_t now_ms = clock_.NowUnixMs();
  if (options_.publish_interval <= absl::ZeroDuration() ||
      absl::Milliseconds(now_ms - last_publish_ms_) >= options_.publish_interval) {
    // Only publishable partitions' park-periods are held (SetPublishable).
    std::set<std::string> dirty;
    for (const auto& [k, src] : unpublished_) dirty.insert(k);
    published = PublishDirty(dirty, &aggregates, result);
  }
  metrics_.batch_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!published.ok()) return published;
  return result;
}

absl::Status Aggregator::PublishDirty(
    const std::set<std::string>& dirty_keys,
    const std::map<std::string, pb::ParkAggregate*>* committed, BatchResult& result) {
  if (dirty_keys.empty()) return absl::OkStatus();
  std::vector<kafka::OutRecord> records;
  store::Batch clear;
  const int64_t now = clock_.NowUnixMs();
  for (const auto& k : dirty_keys) {
    pb::ParkAggregate loaded;
    const pb::ParkAggregate* agg = nullptr;
    if (committed != nullptr) {
      auto known = committed->find(k);  // just committed: the stored value
      if (known != committed->end()) agg = known->second;
    }
    if (agg == nullptr) {
      auto bytes = store_.Get("a|" + k);
      if (!bytes.ok()) return bytes.status();
      if (bytes->has_value()) loaded.ParseFromString(**bytes);
    } else {
      loaded = *agg;
    }
    // The firms, kept apart so a batch rewrites only the firms it changed.
    const std::string fprefix = absl::StrCat("f|", k, "|");
    auto& firm_map = *loaded.mutable_firms();
    auto scanned = store_.Scan(fprefix, [&](std::string_view key, std::string_view v) {
      pb::FirmTotals f;
      f.ParseFromArray(v.data(), static_cast<int>(v.size()));
      firm_map[std::string(key.substr(fprefix.size()))] = std::move(f);
      return true;
    });
    if (!scanned.ok()) return scanned;
    agg = &loaded;
    const auto bar = k.find('|');
    const std::string park = k.substr(0, bar);
    auto period = domain::ParsePeriod(k.substr(bar + 1));
    if (!period.ok()) return period.status();
    records.push_back({topics_.park_metrics, k,
                       domain::BuildSnapshot(park, *period, *agg, now).SerializeAsString()});
    clear.Delete("d|" + k);
  }
  if (auto s = producer_.ProduceAll(records, absl::Seconds(30)); !s.ok()) {
    metrics_.publish_errors.Increment();
    return s;
  }
  result.snapshots_published += static_cast<int>(records.size());
  metrics_.snapshots.Increment(static_cast<double>(records.size()));
  for (const auto& k : dirty_keys) unpublished_.erase(k);
  metrics_.unpublished.Set(static_cast<double>(unpublished_.size()));
  last_publish_ms_ = now;
  if (auto s = store_.Write(clear); !s.ok()) {
    metrics_.store_errors.Increment();
    return s;  // the marks stay: a later PublishPending republishes (idempotent)
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Aggregator::PublishPending(
    const std::optional<std::vector<kafka::TopicPartition>>& owned) {
  const std::set<std::string> owned_sources = owned ? SourcesOf(*owned) : std::set<std::string>();
  std::set<std::string> dirty;
  auto s = store_.Scan("d|", [&](std::string_view k, std::string_view v) {
    // A park whose partition another instance owns now is that instance's to publish.
    if (owned && !v.empty() && owned_sources.count(std::string(v)) == 0) return true;
    dirty.insert(std::string(k.substr(2)));
    return true;
  });
  if (!s.ok()) return s;
  // In chunks: a partition rebuilt from the beginning has a mark on every park-period it
  // holds, and one chunk of snapshots (with their firms) is what stays in memory at once.
  constexpr size_t kChunk = 1000;
  BatchResult result;
  std::set<std::string> chunk;
  for (auto it = dirty.begin(); it != dirty.end();) {
    chunk.insert(*it++);
    if (chunk.size() == kChunk || it == dirty.end()) {
      if (auto p = PublishDirty(chunk, nullptr, result); !p.ok()) return p;
      chunk.clear();
    }
  }
  return result.snapshots_published;
}

}  // namespace cw::aggregator
