#include "ingest/ingest_service.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <deque>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/domain/csv_stream.h"
#include "common/domain/totals.h"
#include "common/obs/log.h"
#include "ingest/envelope.h"

namespace cw::ingest {
namespace pb = clusterwatch::v1;

IngestMetrics::IngestMetrics(prometheus::Registry& registry)
    : push_seconds(prometheus::BuildHistogram()
                       .Name("cw_ingest_push_seconds")
                       .Help("Push duration, from the first message received to the answer")
                       .Register(registry)
                       .Add({}, prometheus::Histogram::BucketBoundaries{
                                    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30})),
      delivery_errors(prometheus::BuildCounter()
                          .Name("cw_kafka_delivery_errors_total")
                          .Help("Pushes whose records Kafka did not acknowledge")
                          .Register(registry)
                          .Add({{"service", "ingest"}})),
      pushes_(prometheus::BuildCounter()
                  .Name("cw_ingest_push_requests_total")
                  .Help("Push calls by result")
                  .Register(registry)),
      records_(prometheus::BuildCounter()
                   .Name("cw_ingest_records_total")
                   .Help("Records by outcome and, for rejections, the offending field")
                   .Register(registry)),
      accepted_(records_.Add({{"outcome", "accepted"}, {"field", ""}})) {}

void IngestMetrics::CountPush(const std::string& result) {
  pushes_.Add({{"result", result}}).Increment();
}

void IngestMetrics::CountRecords(
    int64_t accepted, const absl::flat_hash_map<std::string, int64_t>& rejected_by_field) {
  // Field names come from a fixed set in the validator, so cardinality stays bounded.
  if (accepted > 0) accepted_.Increment(static_cast<double>(accepted));
  for (const auto& [field, n] : rejected_by_field) {
    records_.Add({{"outcome", "rejected"}, {"field", field}}).Increment(static_cast<double>(n));
  }
}

IngestService::IngestService(domain::MemoryRegistry& registry, kafka::Producer& producer,
                             const obs::Clock& clock, kafka::Topics topics,
                             IngestMetrics& metrics, IngestOptions options,
                             security::Guard* guard)
    : registry_(registry),
      producer_(producer),
      clock_(clock),
      topics_(std::move(topics)),
      metrics_(metrics),
      options_(options),
      guard_(guard) {}

struct IngestService::Submission {
  std::string id;
  std::string bureau;
  std::string cache_key;  // caller|id
  security::Caller caller;
  pb::Provenance common;  // bureau, submission, receive time; the line is per record
  std::optional<EnvelopeWriter> envelopes;
  // The first line of each (enterprise, kind, period, revision) reported so far, by a 64-bit
  // hash of that key: 16 bytes a record however long the push.
  absl::flat_hash_map<uint64_t, int64_t> first_line;
  int64_t records = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

namespace {

// The park of a record (given, or the enterprise's in the registry) when it lies outside
// `scope`: "park P in C"; nullopt when inside or unknown (validation answers unknown parks).
std::optional<std::pair<std::string, std::string>> OutsideScope(
    const pb::SubmittedRecord& rec, const domain::RegistryView& registry,
    const std::string& scope) {
  std::string park_id;
  if (rec.has_output()) {
    park_id = rec.output().park_id();
    if (park_id.empty()) {
      if (const auto* e = registry.FindEnterprise(rec.output().uscc())) park_id = e->park_id();
    }
  } else if (rec.has_tax()) {
    if (const auto* e = registry.FindEnterprise(rec.tax().uscc())) park_id = e->park_id();
  }
  const auto* park = registry.FindPark(park_id);
  if (park == nullptr || park->county_code().rfind(scope, 0) == 0) return std::nullopt;
  return std::make_pair(park_id, park->county_code());
}

}  // namespace

grpc::Status IngestService::Push(grpc::ServerContext* context,
                                 grpc::ServerReader<pb::PushRequest>* reader,
                                 pb::PushResponse* response) {
  // Without a guard (in-process tests) everyone is an unauthenticated admin; with one, the
  // caller stays "anonymous" with no role unless admitted (a refusal is audited so).
  security::Caller caller;
  if (guard_ == nullptr) {
    caller = {"anonymous", security::Role::kAdmin, "", false, "none"};
  } else {
    auto admitted = guard_->Admit(context, &caller);
    if (admitted.ok()) {
      admitted = security::Guard::Require(caller, {security::Role::kBureau, security::Role::kAdmin},
                                          "push reports");
    }
    if (!admitted.ok()) {
      guard_->Audit(caller, "Push", "", admitted);
      metrics_.CountPush("refused");
      return admitted;
    }
  }
  Submission sub;
  sub.caller = caller;
  auto audit = [&](const grpc::Status& status) {
    if (guard_ != nullptr) {
      guard_->Audit(caller, "Push",
                    absl::StrCat("submission ", sub.id, ", ", sub.records, " records, ",
                                 response->accepted(), " accepted, ", response->rejected(),
                                 " rejected"),
                    status);
    }
    return status;
  };
  // Each batch is parsed on its own arena (blocks from 64 KiB growing to 1 MiB), validated
  // and annotated in place, produced, and dropped with its arena.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  auto arena = std::make_unique<google::protobuf::Arena>(arena_options);
  std::vector<pb::SubmittedRecord*> records;
  bool begun = false;
  bool streaming = false;  // more than one batch: scope is judged per line
  for (bool more = true; more;) {
    auto* req = google::protobuf::Arena::CreateMessage<pb::PushRequest>(arena.get());
    more = reader->Read(req);
    if (!more && context->IsCancelled()) {
      // The client went away mid-push (killed, connection lost): what was produced stays,
      // but the submission is not complete and not remembered; its retry sends it again.
      metrics_.CountPush("cancelled");
      response->Clear();
      return audit(grpc::Status(grpc::StatusCode::CANCELLED,
                                absl::StrCat("the push of submission ", sub.id,
                                             " ended before its last message")));
    }
    if (more && !begun) {
      sub.id = req->submission_id();
      // An authenticated caller is the source bureau, whatever the request says.
      sub.bureau = caller.authenticated ? caller.name : req->source_bureau();
    }
    if (!begun) {
      bool replayed = false;
      auto status = Begin(sub, response, &replayed);
      if (!status.ok() || replayed) return audit(status);
      begun = true;
    }
    if (more) {
      for (auto& r : *req->mutable_records()) {
        if (options_.max_records_per_push > 0 &&
            static_cast<size_t>(sub.records) >= options_.max_records_per_push) {
          metrics_.CountPush("refused");
          response->Clear();
          return audit(grpc::Status(
              grpc::StatusCode::RESOURCE_EXHAUSTED,
              absl::StrCat("a push may carry at most ", options_.max_records_per_push,
                           " records (ingest --max_records_per_push); line ", r.line(),
                           " is beyond it", sub.accepted + sub.rejected > 0
                                                ? "; the records before it were stored"
                                                : "; nothing was stored")));
        }
        ++sub.records;
        records.push_back(&r);
      }
      if (records.size() < std::max<size_t>(1, options_.batch_records)) continue;
      streaming = true;
    }
    if (!more && streaming && records.empty()) break;
    auto status = HandleBatch(sub, records, arena.get(), /*whole_push=*/!streaming, response);
    if (!status.ok()) return audit(status);
    records.clear();
    arena = std::make_unique<google::protobuf::Arena>(arena_options);
  }
  return audit(Finish(sub, response));
}

grpc::Status IngestService::HandlePush(const std::string& submission_id,
                                       const std::string& bureau,
                                       std::vector<pb::SubmittedRecord> records,
                                       pb::PushResponse* response,
                                       const security::Caller& caller) {
  std::vector<pb::SubmittedRecord*> pointers;
  pointers.reserve(records.size());
  for (auto& r : records) pointers.push_back(&r);
  google::protobuf::Arena arena;
  return HandleRecords(submission_id, bureau, pointers, &arena, response, caller);
}

grpc::Status IngestService::HandleRecords(const std::string& submission_id,
                                          const std::string& bureau,
                                          const std::vector<pb::SubmittedRecord*>& records,
                                          google::protobuf::Arena* arena,
                                          pb::PushResponse* response,
                                          const security::Caller& caller) {
  Submission sub;
  sub.id = submission_id;
  sub.bureau = bureau;
  sub.caller = caller;
  sub.records = static_cast<int64_t>(records.size());
  bool replayed = false;
  auto status = Begin(sub, response, &replayed);
  if (!status.ok() || replayed) return status;
  status = HandleBatch(sub, records, arena, /*whole_push=*/true, response);
  if (!status.ok()) return status;
  return Finish(sub, response);
}

grpc::Status IngestService::Begin(Submission& sub, pb::PushResponse* response,
                                  bool* replayed) {
  *replayed = false;
  if (sub.id.empty() || sub.id.find('|') != std::string::npos) {
    metrics_.CountPush("refused");
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first PushRequest must carry a submission_id (no '|'); a retry "
                        "reuses it");
  }
  // Remembered per caller, so one bureau cannot read another's answers by guessing ids.
  sub.cache_key = absl::StrCat(sub.caller.name, "|", sub.id);
  {
    absl::MutexLock lock(&mu_);
    auto it = completed_.find(sub.cache_key);
    if (it != completed_.end()) {
      *response = it->second;
      response->set_replayed(true);
      metrics_.CountPush("replayed");
      *replayed = true;
      return grpc::Status::OK;
    }
  }
  sub.common.set_source_bureau(sub.bureau);
  sub.common.set_submission_id(sub.id);
  sub.common.set_received_unix_ms(clock_.NowUnixMs());
  sub.envelopes.emplace(sub.common);
  response->set_submission_id(sub.id);
  sub.started = std::chrono::steady_clock::now();
  return grpc::Status::OK;
}

grpc::Status IngestService::HandleBatch(Submission& sub,
                                        const std::vector<pb::SubmittedRecord*>& records,
                                        google::protobuf::Arena* arena, bool whole_push,
                                        pb::PushResponse* response) {
  const std::string& submission_id = sub.id;
  const security::Caller& caller = sub.caller;
  const EnvelopeWriter& envelopes = *sub.envelopes;
  // Every accepted record's envelope is serialized into `payloads` (one buffer per batch;
  // `accepted_at` holds each one's end offset) and produced by reference.
  std::string payloads;
  payloads.reserve(records.size() * 256);
  struct Accepted {
    std::string_view key;  // the report's enterprise USCC (on the arena or in `records`)
    size_t end;            // in `payloads`
  };
  std::vector<Accepted> accepted_at;
  accepted_at.reserve(records.size());
  std::deque<std::pair<std::string, std::string>> rejected;  // key, RejectedRecord bytes
  int64_t accepted = 0;
  absl::flat_hash_map<std::string, int64_t> rejected_by_field;  // metrics, after the ack
  {
    // One reader lock for the whole batch of lookups, released before waiting on Kafka.
    const domain::MemoryRegistry::Reader registry(registry_);
    if (!caller.scope.empty() && whole_push) {
      // Scope: every record's park must lie in the bureau's region; refuse the whole push.
      std::vector<std::string> outside;
      for (const pb::SubmittedRecord* rec : records) {
        if (auto out = OutsideScope(*rec, registry, caller.scope)) {
          if (outside.size() < 20) {
            outside.push_back(absl::StrCat("line ", rec->line(), " (park ", out->first, " in ",
                                           out->second, ")"));
          }
        }
      }
      if (!outside.empty()) {
        metrics_.CountPush("refused");
        return grpc::Status(
            grpc::StatusCode::PERMISSION_DENIED,
            absl::StrCat("bureau '", caller.name, "' may push only for region ", caller.scope,
                         "; nothing was stored; outside it: ", absl::StrJoin(outside, ", ")));
      }
    }
    // One submission may not report an enterprise's period twice with one revision: which
    // line would win is undefined (the aggregator treats a repeat from the same submission
    // as a duplicate). The first such line is taken, later ones are refused.
    auto repeated = [&](char kind, const std::string& uscc, const pb::Period& period,
                        int revision, int64_t line) -> std::optional<domain::Violation> {
      const std::string pkey = domain::FromProto(period).Key();
      const uint64_t hash = absl::Hash<std::string>{}(
          absl::StrCat(uscc, "|", std::string(1, kind), "|", pkey, "|", revision));
      auto [it, inserted] = sub.first_line.try_emplace(hash, line);
      if (inserted) return std::nullopt;
      return domain::Violation{
          "revision", absl::StrCat("line ", it->second, " of this submission already reports ",
                                   uscc, " for ", pkey, " with revision ", revision,
                                   "; a correction needs a higher revision")};
    };
    for (pb::SubmittedRecord* rec : records) {
      std::optional<domain::Violation> bad;
      std::string raw_kept;  // for a refused oversize line: its first bytes
      if (rec->raw().size() > options_.max_line_bytes) {
        bad = domain::Violation{
            "line", domain::OversizeLineReason(rec->raw().size(), options_.max_line_bytes,
                                               options_.kept_line_bytes,
                                               domain::Fnv1a64(rec->raw()))};
        rec->mutable_raw()->resize(std::min(options_.kept_line_bytes, rec->raw().size()));
      } else if (!caller.scope.empty() && !whole_push) {
        if (auto out = OutsideScope(*rec, registry, caller.scope)) {
          bad = domain::Violation{
              "park_id", absl::StrCat("park ", out->first, " lies in ", out->second,
                                      ", outside region ", caller.scope, " of bureau '",
                                      caller.name, "' (expected only parks of that region)")};
        }
      }
      if (!bad) {
        switch (rec->body_case()) {
          case pb::SubmittedRecord::kOutput:
            bad = domain::ValidateOutput(*rec->mutable_output(), registry, options_.limits);
            if (!bad) {
              bad = repeated('o', rec->output().uscc(), rec->output().period(),
                             rec->output().revision(), rec->line());
            }
            if (!bad) {
              envelopes.AppendOutput(rec->output(), rec->line(), &payloads);
              accepted_at.push_back({rec->output().uscc(), payloads.size()});
            }
            break;
          case pb::SubmittedRecord::kTax:
            bad = domain::ValidateTax(*rec->mutable_tax(), registry, options_.limits);
            if (!bad) {
              bad = repeated('t', rec->tax().uscc(), rec->tax().period(),
                             rec->tax().revision(), rec->line());
            }
            if (!bad) {
              domain::AnnotateTax(*rec->mutable_tax(), registry);
              envelopes.AppendTax(rec->tax(), rec->line(), &payloads);
              accepted_at.push_back({rec->tax().uscc(), payloads.size()});
            }
            break;
          case pb::SubmittedRecord::kParseError:
            bad = domain::Violation{rec->parse_error().field(), rec->parse_error().reason()};
            break;
          default:
            bad = domain::Violation{"", "record carries no report"};
        }
      }
      if (!bad) {
        ++accepted;
        continue;
      }
      auto* rej = google::protobuf::Arena::CreateMessage<pb::RejectedRecord>(arena);
      *rej->mutable_provenance() = sub.common;
      rej->mutable_provenance()->set_line(rec->line());
      rej->set_stage("ingest");
      rej->set_field(bad->field);
      rej->set_reason(bad->reason);
      rej->set_raw(rec->raw());
      rejected.emplace_back(absl::StrCat(submission_id, "|", rec->line()),
                            rej->SerializeAsString());
      if (static_cast<size_t>(response->rejections_size()) < options_.max_listed_rejections) {
        auto* rr = response->add_rejections();
        rr->set_line(rec->line());
        rr->set_field(bad->field);
        rr->set_reason(bad->reason);
      }
      ++rejected_by_field[bad->field];
    }
  }  // registry reader
  // Accepted records first, in push order, then the rejected ones (their own topic).
  std::vector<kafka::OutRecordRef> out;
  out.reserve(accepted_at.size() + rejected.size());
  const std::string_view all(payloads);
  size_t begin = 0;
  for (const auto& a : accepted_at) {
    out.push_back({topics_.reports, a.key, all.substr(begin, a.end - begin)});
    begin = a.end;
  }
  for (const auto& [key, value] : rejected) out.push_back({topics_.rejected, key, value});
  if (auto s = producer_.ProduceAllRefs(out, options_.kafka_timeout); !s.ok()) {
    metrics_.delivery_errors.Increment();
    obs::Warn("ingest", "submission ", submission_id, " not stored: ", s.ToString());
    const bool stored_before = sub.accepted + sub.rejected > 0;
    response->Clear();
    if (s.code() == absl::StatusCode::kUnavailable ||
        s.code() == absl::StatusCode::kDeadlineExceeded) {
      metrics_.CountPush("unavailable");
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          absl::StrCat("Kafka did not store the submission (", s.message(),
                                       "); nothing is acknowledged — retry with the same "
                                       "submission_id",
                                       stored_before ? " (the records already stored are "
                                                       "taken as duplicates)"
                                                     : ""));
    }
    // Kafka refused a record outright (too large for the broker, say): the same push would
    // be refused again, so this is no UNAVAILABLE.
    metrics_.CountPush("refused");
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        absl::StrCat("Kafka refused a record of the submission (", s.message(),
                                     "); a retry cannot succeed: ingest's --max_line_bytes must "
                                     "be below the broker's message.max.bytes"));
  }
  sub.accepted += accepted;
  for (const auto& [field, n] : rejected_by_field) sub.rejected += n;
  metrics_.CountRecords(accepted, rejected_by_field);
  return grpc::Status::OK;
}

grpc::Status IngestService::Finish(Submission& sub, pb::PushResponse* response) {
  response->set_submission_id(sub.id);
  response->set_accepted(sub.accepted);
  response->set_rejected(sub.rejected);
  metrics_.CountPush("ok");
  metrics_.push_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sub.started).count());
  {
    absl::MutexLock lock(&mu_);
    if (completed_.emplace(sub.cache_key, *response).second) {
      completed_order_.push_back(sub.cache_key);
      while (completed_order_.size() > options_.remembered_submissions) {
        completed_.erase(completed_order_.front());
        completed_order_.pop_front();
      }
    }
  }
  obs::Info("ingest", "submission ", sub.id, " from ", sub.bureau, ": ", response->accepted(),
            " accepted, ", response->rejected(), " rejected");
  return grpc::Status::OK;
}

grpc::Status IngestService::PushRegistry(grpc::ServerContext* context,
                                         const pb::RegistryPushRequest* request,
                                         pb::RegistryPushResponse* response) {
  if (guard_ != nullptr) {
    security::Caller caller;
    auto admitted = guard_->Admit(context, &caller);
    if (admitted.ok()) {
      admitted = security::Guard::Require(caller, {security::Role::kAdmin}, "change the registry");
    }
    auto status = admitted.ok() ? DoPushRegistry(request, response) : admitted;
    guard_->Audit(caller, "PushRegistry",
                  absl::StrCat(request->records_size(), " registry records"), status);
    return status;
  }
  return DoPushRegistry(request, response);
}

void IngestService::AddCorrection(const pb::EnterpriseCorrection& c, int64_t index,
                                  const domain::RegistryView& view,
                                  std::vector<kafka::OutRecord>& out,
                                  std::vector<pb::RegistryRecord>& corrected) {
  // To the enterprise's owner in the aggregator, in order with its reports.
  pb::ReportEnvelope env;
  *env.mutable_correction() = c;
  auto* p = env.mutable_provenance();
  p->set_source_bureau("registry");
  p->set_received_unix_ms(clock_.NowUnixMs());
  p->set_submission_id(absl::StrCat("registry-", p->received_unix_ms()));
  p->set_line(index);
  out.push_back({topics_.reports, c.uscc(), env.SerializeAsString()});
  if (c.has_corrects_to()) return;
  // Open-ended: the registry says so from now on, and later reports are stamped with it.
  // Based on the latest state of the record: an earlier correction of this request, else
  // the enterprise record of this request, else the registry's.
  const pb::Enterprise* known = nullptr;
  for (const auto& earlier : corrected) {
    if (earlier.enterprise().uscc() == c.uscc()) known = &earlier.enterprise();
  }
  if (known == nullptr) known = view.FindEnterprise(c.uscc());
  if (known == nullptr) return;  // validated: cannot happen
  pb::Enterprise base = *known;  // copied before `corrected` grows
  pb::RegistryRecord& r = corrected.emplace_back();
  *r.mutable_enterprise() = std::move(base);
  if (!c.park_id().empty()) r.mutable_enterprise()->set_park_id(c.park_id());
  if (!c.industry().empty()) r.mutable_enterprise()->set_industry(c.industry());
  out.push_back({topics_.registry, domain::RegistryKey(r), r.SerializeAsString()});
}

grpc::Status IngestService::DoPushRegistry(const pb::RegistryPushRequest* request_ptr,
                                           pb::RegistryPushResponse* response) {
  const pb::RegistryPushRequest* request = request_ptr;
  // Validate against the registry plus the parks of this same request.
  domain::MemoryRegistry pending;
  for (const auto& r : request->records()) pending.Apply(r);  // parks and enterprises
  struct Combined : domain::RegistryView {
    const domain::RegistryView& a;
    const domain::RegistryView& b;
    Combined(const domain::RegistryView& x, const domain::RegistryView& y) : a(x), b(y) {}
    const pb::Park* FindPark(const std::string& id) const override {
      const auto* p = a.FindPark(id);
      return p != nullptr ? p : b.FindPark(id);
    }
    const pb::Enterprise* FindEnterprise(const std::string& u) const override {
      const auto* e = a.FindEnterprise(u);
      return e != nullptr ? e : b.FindEnterprise(u);
    }
  };
  std::vector<kafka::OutRecord> out;
  std::vector<pb::RegistryRecord> corrected;  // enterprise records an open correction changed
  {
    // Readers released before producing and before registry_.Apply below.
    const domain::MemoryRegistry::Reader pending_view(pending), registry_view(registry_);
    const Combined view(pending_view, registry_view);
    int64_t index = 0;
    for (const auto& r : request->records()) {
      ++index;
      if (auto bad = domain::ValidateRegistryRecord(r, view)) {
        auto* rr = response->add_rejections();
        rr->set_line(index);
        rr->set_field(bad->field);
        rr->set_reason(bad->reason);
        continue;
      }
      if (r.has_correction()) {
        AddCorrection(r.correction(), index, view, out, corrected);
        continue;
      }
      out.push_back({topics_.registry, domain::RegistryKey(r), r.SerializeAsString()});
    }
  }
  if (!response->rejections().empty()) {
    // Registry pushes are curated files: all or nothing.
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat(response->rejections_size(),
                                     " registry records are invalid; nothing was stored; first: "
                                     "record ", response->rejections(0).line(), ", field ",
                                     response->rejections(0).field(), ": ",
                                     response->rejections(0).reason()));
  }
  if (auto s = producer_.ProduceAll(out, options_.kafka_timeout); !s.ok()) {
    metrics_.delivery_errors.Increment();
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("Kafka did not store the registry records: ", s.message()));
  }
  for (const auto& r : request->records()) registry_.Apply(r);
  for (const auto& r : corrected) registry_.Apply(r);
  response->set_accepted(request->records_size());
  return grpc::Status::OK;
}

}  // namespace cw::ingest
