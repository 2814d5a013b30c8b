#include "aggregator/enterprise_stage.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clusterwatch/v1/reports.pb.h"
#include "clusterwatch/v1/state.pb.h"
#include "common/domain/correction.h"
#include "common/domain/dead_letter.h"
#include "common/domain/derive.h"
#include "common/domain/revision.h"
#include "common/domain/totals.h"
#include "common/metrics/linkage.h"
#include "google/protobuf/arena.h"

namespace cw::aggregator {
namespace {

namespace pb = clusterwatch::v1;

std::string YearKeyOf(const std::string& uscc, char kind, int year) {
  return absl::StrCat("y|", uscc, "|", std::string(1, kind), "|", year, "|");
}

// Store key of an enterprise's registry corrections (EnterpriseCorrections).
std::string CorrectionsKeyOf(const std::string& uscc) { return absl::StrCat("x|", uscc); }

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
    return v;
  }
  const auto& r = env.tax();
  v.period = domain::FromProto(r.period());
  v.ytd_basis = IsYtd(r.basis());
  // Linkage (common/metrics/linkage.h): the sellers as ingest located them.
  metrics::BuyerLinkage linkage(r.uscc(), r.park_id(), r.park_county());
  for (const auto& cp : r.counterparties()) {
    linkage.Add(cp.uscc(), cp.purchases().fen(), {cp.park_id(), cp.county_code()});
  }
  const metrics::LinkageFlows& l = linkage.flows();
  v.flows = {0, 0, 0, r.total_tax().fen(), r.vat().fen(), r.corporate_income_tax().fen(),
             l.total_fen, l.in_park_fen, l.in_region_fen};
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

// One period's contribution as derived from an enterprise-year record.
struct Derived {
  const pb::EnterprisePeriod* entry;  // park, industry, period key, source
  domain::DerivedValues values;
};

// The contributions an enterprise-year record stands for: the derivation of its reported
// figures. DATA_LOSS for a malformed record.
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

bool SameContribution(const Derived& a, const Derived& b) {
  return a.entry->park_id() == b.entry->park_id() &&
         a.entry->industry() == b.entry->industry() && a.values.level == b.values.level &&
         a.values.month == b.values.month && a.values.ytd == b.values.ytd;
}

struct YearKey {
  std::string uscc;
  char kind;
  int year;
  bool operator<(const YearKey& o) const {
    return std::tie(uscc, kind, year) < std::tie(o.uscc, o.kind, o.year);
  }
};

}  // namespace

std::string ContributionKey(const std::string& park, const std::string& period_key,
                            const std::string& uscc, bool output) {
  return absl::StrCat(park, "|", period_key, "|", uscc, "|", output ? "o" : "t");
}

EnterpriseStageMetrics::EnterpriseStageMetrics(prometheus::Registry& registry)
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
      corrections(prometheus::BuildCounter()
                      .Name("cw_aggregator_records_total")
                      .Help("Report messages by outcome")
                      .Register(registry)
                      .Add({{"outcome", "correction"}})),
      contributions(prometheus::BuildCounter()
                        .Name("cw_aggregator_contributions_produced_total")
                        .Help("Contribution upserts produced by the enterprise stage "
                              "(retractions included)")
                        .Register(registry)
                        .Add({})) {}

EnterpriseStage::EnterpriseStage(kafka::Topics topics, int contribution_partitions,
                                 EnterpriseStageMetrics& metrics,
                                 domain::ValidationLimits limits)
    : topics_(std::move(topics)),
      contribution_partitions_(contribution_partitions),
      metrics_(metrics),
      limits_(limits) {}

namespace {

// One Apply call: the enterprise-years it touched, on one arena (protobuf's per-field heap
// allocations were most of the aggregator's CPU time, docs/performance.md).
class ApplyCall {
 public:
  ApplyCall(const kafka::Topics& topics, int contribution_partitions, bool emit,
            store::StagedStore& state, std::vector<kafka::OutRecord>& out,
            EnterpriseStageCounts& counts)
      : topics_(topics),
        contribution_partitions_(contribution_partitions),
        emit_(emit),
        state_(state),
        out_(out),
        counts_(counts),
        arena_(ArenaOptions()) {}

  // An empty envelope on the call's arena.
  pb::ReportEnvelope* NewEnvelope() {
    return google::protobuf::Arena::CreateMessage<pb::ReportEnvelope>(&arena_);
  }
  // Records one valid report in its enterprise-year when the revision rule accepts it.
  absl::Status Record(const pb::ReportEnvelope& env, const kafka::Message& m);
  // Records one valid registry correction and applies it to the periods it names of every
  // enterprise-year already held (both kinds).
  absl::Status Correct(const pb::EnterpriseCorrection& c);
  // Derives every changed enterprise-year again, produces the contributions that changed
  // (when emitting) and stages the records.
  absl::Status Finish();

 private:
  // Per enterprise-year touched: the record as it will be written and, once a message
  // changed it, the record as read with the contributions it stands for.
  struct YearState {
    pb::EnterpriseYear* record = nullptr;
    pb::EnterpriseYear* as_read = nullptr;  // set at the first change
    std::vector<Derived> before;
  };
  static google::protobuf::ArenaOptions ArenaOptions() {
    google::protobuf::ArenaOptions o;
    o.start_block_size = 64 << 10;
    o.max_block_size = 1 << 20;
    return o;
  }
  absl::StatusOr<YearState*> Load(const YearKey& yk);
  // The enterprise's corrections (read once per call).
  struct CorrectionsState {
    pb::EnterpriseCorrections* list = nullptr;
    bool changed = false;
  };
  absl::StatusOr<CorrectionsState*> Corrections(const std::string& uscc);
  // The first change of this call to `st`: keep the record as read and what it stands for.
  absl::Status KeepBefore(const YearKey& yk, YearState& st);
  // The upsert of `uscc`'s contribution to where.park_id() (a retraction without `values`).
  void Upsert(const pb::EnterprisePeriod& where, const std::string& uscc, bool output,
              const domain::DerivedValues* values, const pb::EnterprisePeriod& source);
  // Produces what changed between `st.before` and `after`.
  absl::Status EmitChanges(const YearKey& yk, const YearState& st,
                           const std::vector<Derived>& after);

  const kafka::Topics& topics_;
  const int contribution_partitions_;
  const bool emit_;
  store::StagedStore& state_;
  std::vector<kafka::OutRecord>& out_;
  EnterpriseStageCounts& counts_;
  google::protobuf::Arena arena_;
  std::map<YearKey, YearState> years_;
  std::map<std::string, CorrectionsState> corrections_;
  pb::ContributionUpdate* update_ = nullptr;  // reused by Upsert
};

std::string What(const YearKey& yk) {
  return absl::StrCat(yk.uscc, "/", std::string(1, yk.kind), "/", yk.year);
}

absl::StatusOr<ApplyCall::YearState*> ApplyCall::Load(const YearKey& yk) {
  auto it = years_.find(yk);
  if (it != years_.end()) return &it->second;
  auto bytes = state_.Get(YearKeyOf(yk.uscc, yk.kind, yk.year));
  if (!bytes.ok()) return bytes.status();
  YearState st;
  st.record = google::protobuf::Arena::CreateMessage<pb::EnterpriseYear>(&arena_);
  if (bytes->has_value() && !st.record->ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("state record of ", What(yk), " is not an EnterpriseYear"));
  }
  return &years_.emplace(yk, std::move(st)).first->second;
}

absl::StatusOr<ApplyCall::CorrectionsState*> ApplyCall::Corrections(const std::string& uscc) {
  auto it = corrections_.find(uscc);
  if (it != corrections_.end()) return &it->second;
  auto bytes = state_.Get(CorrectionsKeyOf(uscc));
  if (!bytes.ok()) return bytes.status();
  CorrectionsState cs;
  cs.list = google::protobuf::Arena::CreateMessage<pb::EnterpriseCorrections>(&arena_);
  if (bytes->has_value() && !cs.list->ParseFromString(**bytes)) {
    return absl::DataLossError(
        absl::StrCat("state record x|", uscc, " is not an EnterpriseCorrections"));
  }
  return &corrections_.emplace(uscc, cs).first->second;
}

absl::Status ApplyCall::Correct(const pb::EnterpriseCorrection& c) {
  auto cs = Corrections(c.uscc());
  if (!cs.ok()) return cs.status();
  *(*cs)->list->add_items() = c;
  (*cs)->changed = true;
  // The enterprise-years it may change: those stored and those this call created.
  std::set<YearKey> keys;
  const std::string prefix = absl::StrCat("y|", c.uscc(), "|");
  std::string bad;
  auto scanned = state_.Scan(prefix, [&](std::string_view key, std::string_view) {
    // y|<uscc>|<kind>|<year>|
    const std::string_view rest = key.substr(prefix.size());
    int year = 0;
    if (rest.size() < 4 || rest[1] != '|' ||
        !absl::SimpleAtoi(std::string(rest.substr(2, rest.size() - 3)), &year)) {
      bad = std::string(key);
      return false;
    }
    keys.insert(YearKey{c.uscc(), rest[0], year});
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!bad.empty()) return absl::DataLossError(absl::StrCat("malformed state key ", bad));
  for (const auto& [yk, st] : years_) {
    if (yk.uscc == c.uscc()) keys.insert(yk);
  }
  for (const YearKey& yk : keys) {
    if (!domain::CorrectionTouchesYear(c, yk.year)) continue;
    auto ys = Load(yk);
    if (!ys.ok()) return ys.status();
    YearState& st = **ys;
    for (int i = 0; i < st.record->periods_size(); ++i) {
      auto period = domain::ParsePeriod(st.record->periods(i).period());
      if (!period.ok()) {
        return absl::DataLossError(absl::StrCat("state record of ", What(yk),
                                                " has a bad period ",
                                                st.record->periods(i).period()));
      }
      if (!domain::CorrectionCovers(c, *period)) continue;
      if (auto s = KeepBefore(yk, st); !s.ok()) return s;
      pb::EnterprisePeriod& e = *st.record->mutable_periods(i);
      if (!c.park_id().empty()) e.set_park_id(c.park_id());
      if (!c.industry().empty()) e.set_industry(c.industry());
    }
  }
  ++counts_.corrections;
  return absl::OkStatus();
}

absl::Status ApplyCall::KeepBefore(const YearKey& yk, YearState& st) {
  if (st.as_read != nullptr) return absl::OkStatus();
  st.as_read = google::protobuf::Arena::CreateMessage<pb::EnterpriseYear>(&arena_);
  *st.as_read = *st.record;
  auto before = DeriveRecord(*st.as_read, What(yk));
  if (!before.ok()) return before.status();
  st.before = std::move(*before);
  return absl::OkStatus();
}

absl::Status ApplyCall::Record(const pb::ReportEnvelope& env, const kafka::Message& m) {
  const bool output = env.has_output();
  const std::string& uscc = output ? env.output().uscc() : env.tax().uscc();
  const domain::Period period =
      domain::FromProto(output ? env.output().period() : env.tax().period());
  const std::string pkey = period.Key();
  const YearKey yk{uscc, output ? 'o' : 't', period.year};
  auto ys = Load(yk);
  if (!ys.ok()) return ys.status();
  YearState& st = **ys;
  auto& periods = *st.record->mutable_periods();
  // Periods are kept in key order (= period order); a year has at most 13 keys.
  auto pos = std::lower_bound(
      periods.begin(), periods.end(), pkey,
      [](const pb::EnterprisePeriod& e, const std::string& k) { return e.period() < k; });
  const bool exists = pos != periods.end() && pos->period() == pkey;
  const domain::ReportIdentity incoming{output ? env.output().revision() : env.tax().revision(),
                                        env.provenance().submission_id(),
                                        env.provenance().received_unix_ms()};
  std::optional<domain::ReportIdentity> accepted;
  if (exists) {
    accepted = domain::ReportIdentity{pos->revision(), pos->submission_id(),
                                      pos->received_unix_ms()};
  }
  switch (domain::JudgeRevision(accepted ? &*accepted : nullptr, incoming)) {
    case domain::RevisionOutcome::kDuplicate:
      ++counts_.duplicates;
      return absl::OkStatus();
    case domain::RevisionOutcome::kStale:
      ++counts_.stale;
      return absl::OkStatus();
    case domain::RevisionOutcome::kApply:
      break;
  }
  const auto index = pos - periods.begin();
  if (auto s = KeepBefore(yk, st); !s.ok()) return s;
  pb::EnterprisePeriod* e;
  if (exists) {
    e = periods.Mutable(static_cast<int>(index));
  } else {
    periods.Add();
    for (auto i = periods.size() - 1; i > index; --i) periods.SwapElements(i, i - 1);
    e = periods.Mutable(static_cast<int>(index));
    e->set_period(pkey);
  }
  const domain::PeriodValues v = ValuesOf(env);
  e->set_revision(incoming.revision);
  e->set_submission_id(env.provenance().submission_id());
  e->set_received_unix_ms(env.provenance().received_unix_ms());
  e->set_park_id(output ? env.output().park_id() : env.tax().park_id());
  e->set_industry(output ? env.output().industry() : env.tax().industry());
  // A registry correction naming this period outranks the report's placement.
  auto cs = Corrections(uscc);
  if (!cs.ok()) return cs.status();
  if ((*cs)->list->items_size() > 0) {
    domain::ApplyCorrections((*cs)->list->items(), period, e->mutable_park_id(),
                             e->mutable_industry());
  }
  e->set_ytd_basis(v.ytd_basis);
  e->mutable_reported()->Assign(v.flows.begin(), v.flows.end());
  e->set_level(v.level);
  // Where the accepted report itself is: the reports topic is the system of record.
  e->set_source_partition(m.partition);
  e->set_source_offset(m.offset);
  ++counts_.applied;
  return absl::OkStatus();
}

void ApplyCall::Upsert(const pb::EnterprisePeriod& where, const std::string& uscc, bool output,
                       const domain::DerivedValues* values, const pb::EnterprisePeriod& source) {
  if (update_ == nullptr) {
    update_ = google::protobuf::Arena::CreateMessage<pb::ContributionUpdate>(&arena_);
  }
  pb::ContributionUpdate& u = *update_;
  u.Clear();  // keeps its sub-messages' storage for the next one
  auto& c = *u.mutable_contribution();
  c.set_park_id(where.park_id());
  c.set_uscc(uscc);
  if (values != nullptr) {
    c.set_industry(where.industry());
    FillTotals(values->month, values->level, output, *c.mutable_month());
    FillTotals(values->ytd, values->level, output, *c.mutable_year_to_date());
  }
  u.set_period(where.period());
  u.set_output(output);
  u.set_source_partition(source.source_partition());
  u.set_source_offset(source.source_offset());
  kafka::OutRecord r{topics_.contributions,
                     ContributionKey(where.park_id(), where.period(), uscc, output),
                     u.SerializeAsString()};
  r.partition = kafka::PartitionFor(where.park_id(), contribution_partitions_);
  out_.push_back(std::move(r));
  ++counts_.contributions;
}

absl::Status ApplyCall::EmitChanges(const YearKey& yk, const YearState& st,
                                    const std::vector<Derived>& after) {
  const bool output = yk.kind == 'o';
  // Periods are only ever added, so `before` is a subsequence of `after` (both in order).
  size_t b = 0;
  for (const Derived& a : after) {
    const Derived* old = nullptr;
    if (b < st.before.size() && st.before[b].entry->period() == a.entry->period()) {
      old = &st.before[b++];
    }
    if (old != nullptr && SameContribution(*old, a)) continue;
    if (old != nullptr && old->entry->park_id() != a.entry->park_id()) {
      Upsert(*old->entry, yk.uscc, output, nullptr, *a.entry);  // retract from the old park
    }
    Upsert(*a.entry, yk.uscc, output, &a.values, *a.entry);
  }
  if (b != st.before.size()) {
    return absl::InternalError(
        absl::StrCat("periods of ", What(yk), " disappeared from its state record"));
  }
  return absl::OkStatus();
}

absl::Status ApplyCall::Finish() {
  for (auto& [yk, st] : years_) {
    if (st.as_read == nullptr) continue;  // only duplicates or stale revisions
    auto after = DeriveRecord(*st.record, What(yk));
    if (!after.ok()) return after.status();
    if (emit_) {
      if (auto s = EmitChanges(yk, st, *after); !s.ok()) return s;
    }
    state_.Put(YearKeyOf(yk.uscc, yk.kind, yk.year), st.record->SerializeAsString());
  }
  for (const auto& [uscc, cs] : corrections_) {
    if (cs.changed) state_.Put(CorrectionsKeyOf(uscc), cs.list->SerializeAsString());
  }
  return absl::OkStatus();
}

}  // namespace

void EnterpriseStage::RejectAsDeadLetter(const kafka::Message& m, const domain::Violation& bad,
                                         const pb::ReportEnvelope* decoded,
                                         std::vector<kafka::OutRecord>& out) const {
  auto rej = domain::DeadLetter(
      "aggregator", bad.field.empty() ? bad.reason : absl::StrCat(bad.field, ": ", bad.reason),
      m.topic, m.partition, m.offset, m.value);
  rej.set_field(bad.field);
  // Only a decoded envelope's provenance: a partly parsed one may hold invalid UTF-8 that
  // would make the dead letter itself undecodable.
  if (decoded != nullptr) *rej.mutable_provenance() = decoded->provenance();
  out.push_back({topics_.rejected, domain::DeadLetterKey(m.topic, m.partition, m.offset),
                 rej.SerializeAsString()});
}

absl::Status EnterpriseStage::Apply(const std::vector<kafka::Message>& messages, bool emit,
                                    store::StagedStore& state,
                                    std::vector<kafka::OutRecord>& out) {
  counts_ = {};
  ApplyCall call(topics_, contribution_partitions_, emit, state, out, counts_);
  for (const auto& m : messages) {
    pb::ReportEnvelope& env = *call.NewEnvelope();
    const bool decoded = env.ParseFromString(m.value);
    std::optional<domain::Violation> bad =
        decoded ? domain::ValidateEnvelope(env, limits_)
                : domain::Violation{"", "value is not a clusterwatch.v1.ReportEnvelope protobuf"};
    if (bad) {
      ++counts_.poison;
      // Replaying (not emitting): its dead letter was produced by the earlier owner.
      if (emit) RejectAsDeadLetter(m, *bad, decoded ? &env : nullptr, out);
      continue;
    }
    if (auto s = env.has_correction() ? call.Correct(env.correction()) : call.Record(env, m);
        !s.ok()) {
      return s;
    }
  }
  if (auto s = call.Finish(); !s.ok()) return s;
  metrics_.applied.Increment(counts_.applied);
  metrics_.duplicates.Increment(counts_.duplicates);
  metrics_.stale.Increment(counts_.stale);
  metrics_.poison.Increment(counts_.poison);
  metrics_.contributions.Increment(counts_.contributions);
  metrics_.corrections.Increment(counts_.corrections);
  return absl::OkStatus();
}

}  // namespace cw::aggregator
