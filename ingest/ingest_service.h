// The ingest gRPC service: validates pushed records against the code rules and the
// registry, writes accepted reports to the reports topic and rejected ones (with the
// reason) to the rejected topic, and answers only after Kafka has acknowledged all of them.
// A push is handled as it streams in, IngestOptions::batch_records at a time (validated,
// produced, acknowledged by Kafka, then dropped), so memory does not grow with its size; the
// one answer comes after the last batch. A submission id that already completed is answered
// from memory without producing again. A push cut part-way (client gone, ingest restarted)
// is sent again whole with the same submission id: the records already stored come again
// with the same submission, line and revision, and the aggregator takes them as duplicates.
// Thread-safe: gRPC calls it concurrently.
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
  // Records one push may carry; 0: no limit (a push is streamed, so its size costs no memory).
  size_t max_records_per_push = 0;
  // Records validated and produced at a time. A push of fewer records than this is all or
  // nothing for its bureau's region (PERMISSION_DENIED, nothing stored); in a longer push a
  // record outside the region is refused as that line.
  size_t batch_records = 50'000;
  // Rejections listed in the answer; `rejected` counts them all, and each one is on the
  // rejected topic.
  size_t max_listed_rejections = 10'000;
  // A record whose source text is longer is refused as that line and kept on the rejected
  // topic cut to `kept_line_bytes`, with its length and hash. Keep it below the broker's
  // message.max.bytes (1 MiB by default).
  size_t max_line_bytes = 256 << 10;
  size_t kept_line_bytes = 4096;
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

  struct Submission;  // one push's running state (ingest_service.cc)
  // Checks the submission id and answers a completed one from memory (`*replayed` true).
  grpc::Status Begin(Submission& sub, clusterwatch::v1::PushResponse* response, bool* replayed);
  // Validates one batch, produces it and waits for Kafka. `whole_push`: the batch is the
  // whole push, so a record outside the caller's region refuses the push.
  grpc::Status HandleBatch(Submission& sub,
                           const std::vector<clusterwatch::v1::SubmittedRecord*>& records,
                           google::protobuf::Arena* arena, bool whole_push,
                           clusterwatch::v1::PushResponse* response);
  // The answer after the last batch; remembers it for retries.
  grpc::Status Finish(Submission& sub, clusterwatch::v1::PushResponse* response);
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
