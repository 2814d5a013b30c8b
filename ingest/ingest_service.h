// The ingest gRPC service: validates pushed records against the code rules and the
// registry, writes accepted reports to the reports topic and rejected ones (with the
// reason) to the rejected topic, and answers only after Kafka has acknowledged all of them.
// A submission id that already completed is answered from memory without producing again
// (and should ingest crash in between, the aggregator treats the re-produced records as
// duplicates: same submission id, same revision). Thread-safe: gRPC calls it concurrently.
#pragma once

#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/arena.h"
#include "absl/synchronization/mutex.h"
#include "clusterwatch/v1/ingest.grpc.pb.h"
#include "common/domain/registry.h"
#include "common/kafka/kafka.h"
#include "common/kafka/topics.h"
#include "common/obs/clock.h"
#include "common/security/guard.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace cw::ingest {

struct IngestOptions {
  size_t max_records_per_push = 1'000'000;
  size_t remembered_submissions = 100'000;
  absl::Duration kafka_timeout = absl::Seconds(30);
  domain::ValidationLimits limits;
};

class IngestMetrics {
 public:
  explicit IngestMetrics(prometheus::Registry& registry);
  void CountPush(const std::string& result);
  // The records of one acknowledged push: `accepted`, and the rejected ones by the
  // offending field (one label lookup per field, not one per record).
  void CountRecords(int64_t accepted,
                    const absl::flat_hash_map<std::string, int64_t>& rejected_by_field);
  prometheus::Histogram& push_seconds;
  prometheus::Counter& delivery_errors;

 private:
  prometheus::Family<prometheus::Counter>& pushes_;
  prometheus::Family<prometheus::Counter>& records_;
  prometheus::Counter& accepted_;
};

class IngestService final : public clusterwatch::v1::IngestService::Service {
 public:
  // `guard` authenticates, rate-limits and audits every call; null admits everyone as an
  // unauthenticated admin (in-process tests).
  IngestService(domain::MemoryRegistry& registry, kafka::Producer& producer,
                const obs::Clock& clock, kafka::Topics topics, IngestMetrics& metrics,
                IngestOptions options = {}, security::Guard* guard = nullptr);

  grpc::Status Push(grpc::ServerContext* context,
                    grpc::ServerReader<clusterwatch::v1::PushRequest>* reader,
                    clusterwatch::v1::PushResponse* response) override;
  grpc::Status PushRegistry(grpc::ServerContext* context,
                            const clusterwatch::v1::RegistryPushRequest* request,
                            clusterwatch::v1::RegistryPushResponse* response) override;

  // The push logic without the stream, for tests and the in-process mode. A bureau may push
  // only for parks whose county starts with its scope: otherwise PERMISSION_DENIED naming
  // the offending lines, and nothing is produced.
  grpc::Status HandlePush(const std::string& submission_id, const std::string& bureau,
                          std::vector<clusterwatch::v1::SubmittedRecord> records,
                          clusterwatch::v1::PushResponse* response,
                          const security::Caller& caller = {"anonymous",
                                                            security::Role::kAdmin, "", false});

 private:
  // HandlePush over records that may live on `arena` (Push parses the stream there, so a
  // push costs a few arena blocks rather than a dozen heap allocations per record). The
  // accepted envelopes are serialized into one buffer per push (EnvelopeWriter) and
  // produced by reference; rejected records are built on `arena`.
  grpc::Status HandleRecords(const std::string& submission_id, const std::string& bureau,
                             const std::vector<clusterwatch::v1::SubmittedRecord*>& records,
                             google::protobuf::Arena* arena,
                             clusterwatch::v1::PushResponse* response,
                             const security::Caller& caller);
  grpc::Status DoPushRegistry(const clusterwatch::v1::RegistryPushRequest* request,
                              clusterwatch::v1::RegistryPushResponse* response);
  // A valid registry correction (record `index` of its request): its envelope on the
  // reports topic (key USCC) and, open-ended, the corrected enterprise record (kept in
  // `corrected` for the local registry after Kafka has it).
  void AddCorrection(const clusterwatch::v1::EnterpriseCorrection& c, int64_t index,
                     const domain::RegistryView& view, std::vector<kafka::OutRecord>& out,
                     std::vector<clusterwatch::v1::RegistryRecord>& corrected);

  domain::MemoryRegistry& registry_;
  kafka::Producer& producer_;
  const obs::Clock& clock_;
  kafka::Topics topics_;
  IngestMetrics& metrics_;
  IngestOptions options_;
  security::Guard* guard_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, clusterwatch::v1::PushResponse> completed_
      ABSL_GUARDED_BY(mu_);
  std::deque<std::string> completed_order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cw::ingest
