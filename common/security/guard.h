// The gRPC-facing gate of every service call: authenticates the caller (bearer token or
// client certificate, see auth.h), applies a per-caller request rate limit, and writes the
// audit log (one JSON line per call: time, caller, role, method, what was asked, result,
// cells suppressed). Thread-safe.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/obs/clock.h"
#include "common/security/auth.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace cw::security {

struct GuardOptions {
  double requests_per_second = 50;  // per caller, sustained
  double burst = 200;               // per caller, bucket size
  std::string audit_path;           // "" = audit to stderr
};

class Guard {
 public:
  Guard(Credentials credentials, GuardOptions options, const obs::Clock& clock,
        prometheus::Registry& registry);

  // OK with the caller filled in, or UNAUTHENTICATED (unknown/expired/missing credentials)
  // or RESOURCE_EXHAUSTED (rate limit). A null context (in-process tests) is admitted only
  // when authentication is off.
  grpc::Status Admit(const grpc::ServerContext* context, Caller* caller);

  // PERMISSION_DENIED unless the caller has one of the roles.
  static grpc::Status Require(const Caller& caller, std::initializer_list<Role> roles,
                              std::string_view what);

  // One audit record. `request` is a short description of what was asked.
  void Audit(const Caller& caller, std::string_view method, std::string_view request,
             const grpc::Status& result, int64_t suppressed_cells = 0);

 private:
  Credentials credentials_;
  GuardOptions options_;
  const obs::Clock& clock_;
  prometheus::Family<prometheus::Counter>& audit_counter_;
  // The counter of each role|method|result seen (Family::Add builds a label map and hashes
  // it on every call; the counters live as long as the family).
  absl::Mutex counters_mu_;
  absl::flat_hash_map<std::string, prometheus::Counter*> counters_ ABSL_GUARDED_BY(counters_mu_);
  absl::Mutex mu_;
  // The audit time's text up to the seconds, for the second it was made.
  int64_t time_second_ ABSL_GUARDED_BY(mu_) = -1;
  std::string time_prefix_ ABSL_GUARDED_BY(mu_);
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<std::ofstream> audit_ ABSL_GUARDED_BY(mu_);
};

// Server credentials: TLS with `cert`/`key` (PEM files); with `client_ca`, client
// certificates signed by it are verified when presented (and required when
// `require_client_cert`); plaintext only when `plaintext` is set. Fails with
// kInvalidArgument when neither is configured or a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const std::string& cert, const std::string& key, const std::string& client_ca,
    bool require_client_cert, bool plaintext);

// Loads the credentials file, or allows everyone when `allow_unauthenticated` is set;
// kInvalidArgument when neither is configured.
absl::StatusOr<Credentials> LoadCredentials(const std::string& path, bool allow_unauthenticated);

}  // namespace cw::security
