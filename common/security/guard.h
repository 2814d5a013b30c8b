// The gRPC-facing gate of every service call: authenticates the caller (bearer token or
// client certificate, see auth.h), applies a per-caller request rate limit (steady clock,
// rate_limiter.h), and writes the audit log (one JSON line per call: time, caller, role,
// method, what was asked, result, cells suppressed, what identified the caller). The
// credentials can be replaced while serving (ReloadCredentials, on SIGHUP when asked for):
// calls in flight keep the set they started with, connections stay open. Thread-safe.
#pragma once

#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/obs/clock.h"
#include "common/obs/signals.h"
#include "common/security/auth.h"
#include "common/security/rate_limiter.h"
#include "grpcpp/grpcpp.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace cw::security {

struct GuardOptions {
  double requests_per_second = 50;  // per caller, sustained
  double burst = 200;               // per caller, bucket size
  std::string audit_path = {};      // "" = audit to stderr
  // Rotation of the audit file: when a record takes it past audit_max_bytes (0: never),
  // it becomes audit_path.1 (the older ones shift to .2, ...; beyond audit_keep files
  // the oldest is deleted) and a new file is started.
  int64_t audit_max_bytes = 0;
  int audit_keep = 10;
  // Where ReloadCredentials reads from (LoadCredentials); "" with allow_unauthenticated.
  std::string credentials_path = {};
  bool allow_unauthenticated = false;
  // Reload the credentials on every SIGHUP (obs::OnHangup) while the guard lives.
  bool reload_on_hangup = false;
};

// What a caller presented: a bearer token ("" if none) and, when the TLS handshake verified
// a client certificate, its names.
struct Presented {
  std::string token;
  std::optional<CertificateNames> certificate;
};

class Guard {
 public:
  // `clock` gives audit times and credential expiry; `steady` paces the rate limit.
  Guard(Credentials credentials, GuardOptions options, const obs::Clock& clock,
        const obs::SteadyClock& steady, prometheus::Registry& registry);
  // The same on the process's steady clock.
  Guard(Credentials credentials, GuardOptions options, const obs::Clock& clock,
        prometheus::Registry& registry);
  ~Guard();

  // OK with the caller filled in, or UNAUTHENTICATED (unknown/expired/missing credentials)
  // or RESOURCE_EXHAUSTED (rate limit). A null context (in-process tests) is admitted only
  // when authentication is off.
  grpc::Status Admit(const grpc::ServerContext* context, Caller* caller);
  // Admit for what a caller presented: a token when one is sent, else the certificate.
  grpc::Status AdmitPresented(const Presented& presented, Caller* caller);

  // Replaces the credentials for the calls that start afterwards.
  void ReplaceCredentials(Credentials credentials);
  // Reads options.credentials_path again (LoadCredentials) and replaces the credentials;
  // on any error keeps the current ones and returns it (kInvalidArgument naming the line).
  // Counted in cw_credentials_reloads_total{result="ok"|"error"}.
  absl::Status ReloadCredentials();

  // PERMISSION_DENIED unless the caller has one of the roles.
  static grpc::Status Require(const Caller& caller, std::initializer_list<Role> roles,
                              std::string_view what);

  // One audit record. `request` is a short description of what was asked.
  void Audit(const Caller& caller, std::string_view method, std::string_view request,
             const grpc::Status& result, int64_t suppressed_cells = 0);

 private:
  std::shared_ptr<const Credentials> credentials() const;

  mutable absl::Mutex credentials_mu_;
  std::shared_ptr<const Credentials> credentials_ ABSL_GUARDED_BY(credentials_mu_);
  GuardOptions options_;
  const obs::Clock& clock_;
  RateLimiter limiter_;
  prometheus::Family<prometheus::Counter>& audit_counter_;
  prometheus::Family<prometheus::Counter>& reloads_;
  // The counter of each role|method|result seen (Family::Add builds a label map and hashes
  // it on every call; the counters live as long as the family).
  absl::Mutex counters_mu_;
  absl::flat_hash_map<std::string, prometheus::Counter*> counters_ ABSL_GUARDED_BY(counters_mu_);
  absl::Mutex mu_;
  // The audit time's text up to the seconds, for the second it was made.
  int64_t time_second_ ABSL_GUARDED_BY(mu_) = -1;
  std::string time_prefix_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<std::ofstream> audit_ ABSL_GUARDED_BY(mu_);
  int64_t audit_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // size of the current audit file
  void RotateAudit() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::unique_ptr<obs::HangupSubscription> hangup_;  // last: stops reloads first
};

// Server TLS: the certificate chain and key (PEM files); with `client_ca`, client
// certificates signed by it are verified when presented (and required when
// `require_client_cert`); plaintext only when `plaintext` is set and no certificate is.
struct ServerTlsOptions {
  std::string cert;
  std::string key;
  std::string client_ca;
  bool require_client_cert = false;
  bool plaintext = false;
  // The files are re-read this often: a rotated certificate (or client CA) is used by new
  // connections from then on, without a restart and without dropping open connections.
  absl::Duration reload_interval = absl::Seconds(60);
};

// Server credentials for `o`. kInvalidArgument when neither TLS nor plaintext is
// configured, only one of cert/key is given, the interval is under a second, or a file
// cannot be read or is not PEM.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerTlsOptions& o);

// Loads the credentials file, or allows everyone when `allow_unauthenticated` is set;
// kInvalidArgument when neither is configured.
absl::StatusOr<Credentials> LoadCredentials(const std::string& path, bool allow_unauthenticated);

}  // namespace cw::security
