#include "ingest/ingest_service.h"

#include <chrono>
#include <deque>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/domain/totals.h"
#include "common/obs/log.h"
#include "ingest/envelope.h"

namespace cw::ingest {
namespace pb = clusterwatch::v1;

IngestMetrics::IngestMetrics(prometheus::Registry& registry)
    : push_seconds(prometheus::BuildHistogram()
                       .Name("cw_ingest_push_seconds")
                       .Help("Push latency, from the last record received to the answer")
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
  // The parsed push lives on one arena (blocks from 64 KiB growing to 1 MiB), validated
  // and annotated in place; the arena goes when the call ends.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  std::string submission_id, bureau;
  std::vector<pb::SubmittedRecord*> records;
  bool first = true;
  for (;;) {
    auto* req = google::protobuf::Arena::CreateMessage<pb::PushRequest>(&arena);
    if (!reader->Read(req)) break;
    if (first) {
      submission_id = req->submission_id();
      bureau = req->source_bureau();
      first = false;
    }
    if (records.empty()) records.reserve(req->records_size());
    for (auto& r : *req->mutable_records()) {
      if (records.size() >= options_.max_records_per_push) {
        metrics_.CountPush("refused");
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            absl::StrCat("a push may carry at most ",
                                         options_.max_records_per_push,
                                         " records; split the file"));
      }
      records.push_back(&r);
    }
  }
  const size_t n = records.size();
  // An authenticated caller is the source bureau, whatever the request says.
  auto status = HandleRecords(submission_id, caller.authenticated ? caller.name : bureau,
                              records, &arena, response, caller);
  if (guard_ != nullptr) {
    guard_->Audit(caller, "Push",
                  absl::StrCat("submission ", submission_id, ", ", n, " records, ",
                               response->accepted(), " accepted, ", response->rejected(),
                               " rejected"),
                  status);
  }
  return status;
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
  const auto started = std::chrono::steady_clock::now();
  if (submission_id.empty() || submission_id.find('|') != std::string::npos) {
    metrics_.CountPush("refused");
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first PushRequest must carry a submission_id (no '|'); a retry "
                        "reuses it");
  }
  // Remembered per caller, so one bureau cannot read another's answers by guessing ids.
  const std::string cache_key = absl::StrCat(caller.name, "|", submission_id);
  {
    absl::MutexLock lock(&mu_);
    auto it = completed_.find(cache_key);
    if (it != completed_.end()) {
      *response = it->second;
      response->set_replayed(true);
      metrics_.CountPush("replayed");
      return grpc::Status::OK;
    }
  }
  pb::Provenance common;
  common.set_source_bureau(bureau);
  common.set_submission_id(submission_id);
  common.set_received_unix_ms(clock_.NowUnixMs());
  const EnvelopeWriter envelopes(common);
  // Every accepted record's envelope is serialized into `payloads` (one buffer per push;
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
  response->set_submission_id(submission_id);
  {
    // One reader lock for the whole batch of lookups, released before waiting on Kafka.
    const domain::MemoryRegistry::Reader registry(registry_);
    if (!caller.scope.empty()) {
      // Scope: every record's park must lie in the bureau's region; refuse the whole push.
      std::vector<std::string> outside;
      for (const pb::SubmittedRecord* rec : records) {
        std::string park_id;
        if (rec->has_output()) {
          park_id = rec->output().park_id();
          if (park_id.empty()) {
            if (const auto* e = registry.FindEnterprise(rec->output().uscc())) {
              park_id = e->park_id();
            }
          }
        } else if (rec->has_tax()) {
          if (const auto* e = registry.FindEnterprise(rec->tax().uscc())) park_id = e->park_id();
        }
        const auto* park = registry.FindPark(park_id);
        if (park != nullptr && park->county_code().rfind(caller.scope, 0) != 0) {
          if (outside.size() < 20) {
            outside.push_back(absl::StrCat("line ", rec->line(), " (park ", park_id, " in ",
                                           park->county_code(), ")"));
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
    absl::flat_hash_map<std::string, int64_t> first_line;
    auto repeated = [&](char kind, const std::string& uscc, const pb::Period& period,
                        int revision, int64_t line) -> std::optional<domain::Violation> {
      const std::string pkey = domain::FromProto(period).Key();
      auto [it, inserted] = first_line.try_emplace(
          absl::StrCat(uscc, "|", std::string(1, kind), "|", pkey, "|", revision), line);
      if (inserted) return std::nullopt;
      return domain::Violation{
          "revision", absl::StrCat("line ", it->second, " of this submission already reports ",
                                   uscc, " for ", pkey, " with revision ", revision,
                                   "; a correction needs a higher revision")};
    };
    for (pb::SubmittedRecord* rec : records) {
      std::optional<domain::Violation> bad;
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
            bad = repeated('t', rec->tax().uscc(), rec->tax().period(), rec->tax().revision(),
                           rec->line());
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
      if (!bad) {
        ++accepted;
        continue;
      }
      auto* rej = google::protobuf::Arena::CreateMessage<pb::RejectedRecord>(arena);
      *rej->mutable_provenance() = common;
      rej->mutable_provenance()->set_line(rec->line());
      rej->set_stage("ingest");
      rej->set_field(bad->field);
      rej->set_reason(bad->reason);
      rej->set_raw(rec->raw());
      rejected.emplace_back(absl::StrCat(submission_id, "|", rec->line()),
                            rej->SerializeAsString());
      auto* rr = response->add_rejections();
      rr->set_line(rec->line());
      rr->set_field(bad->field);
      rr->set_reason(bad->reason);
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
  response->set_accepted(accepted);
  response->set_rejected(response->rejections_size());
  if (auto s = producer_.ProduceAllRefs(out, options_.kafka_timeout); !s.ok()) {
    metrics_.delivery_errors.Increment();
    metrics_.CountPush("unavailable");
    obs::Warn("ingest", "submission ", submission_id, " not stored: ", s.ToString());
    response->Clear();
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("Kafka did not store the submission (", s.message(),
                                     "); nothing is acknowledged — retry with the same "
                                     "submission_id"));
  }
  metrics_.CountRecords(accepted, rejected_by_field);
  metrics_.CountPush("ok");
  metrics_.push_seconds.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  {
    absl::MutexLock lock(&mu_);
    if (completed_.emplace(cache_key, *response).second) {
      completed_order_.push_back(cache_key);
      while (completed_order_.size() > options_.remembered_submissions) {
        completed_.erase(completed_order_.front());
        completed_order_.pop_front();
      }
    }
  }
  obs::Info("ingest", "submission ", submission_id, " from ", bureau, ": ",
            response->accepted(), " accepted, ", response->rejected(), " rejected");
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
