// The ingest service assembled from real parts: registry follower, Kafka producer, gRPC
// server. Used by cw-ingest's main and by the all-in-one process. Thread-safe.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/kafka/kafka.h"
#include "common/kafka/table_follower.h"
#include "common/obs/grpc_server.h"
#include "common/security/flags.h"
#include "ingest/ingest_service.h"

namespace cw::ingest {

struct IngestAppOptions {
  kafka::ClientOptions client;
  kafka::Topics topics;
  std::string listen = "127.0.0.1:50051";
  IngestOptions ingest;
  absl::Duration registry_timeout = absl::Seconds(60);
  security::SecurityConfig security;  // TLS, callers, rate limit, audit
};

class IngestApp {
 public:
  // Reads the registry topic to its end, then serves. kUnavailable / kDeadlineExceeded when
  // Kafka or the port cannot be had.
  static absl::StatusOr<std::unique_ptr<IngestApp>> Start(const IngestAppOptions& options,
                                                          prometheus::Registry& metrics);
  ~IngestApp();
  int port() const { return server_.port; }
  void Shutdown();
  void Wait() { server_.server->Wait(); }
  const domain::MemoryRegistry& registry() const { return registry_; }

 private:
  IngestApp() = default;
  domain::MemoryRegistry registry_;
  obs::SystemClock clock_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::TableFollower> follower_;
  std::unique_ptr<IngestMetrics> metrics_;
  std::unique_ptr<security::Guard> guard_;
  std::unique_ptr<IngestService> service_;
  obs::StartedServer server_;
};

}  // namespace cw::ingest
