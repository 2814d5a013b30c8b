#include "common/security/flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, tls_cert, "", "TLS server certificate (PEM)");
ABSL_FLAG(std::string, tls_key, "", "TLS server private key (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "CA (PEM) that signs client certificates (verified when presented); empty: none");
ABSL_FLAG(bool, tls_require_client_cert, false,
          "with --tls_client_ca: refuse clients without a certificate");
ABSL_FLAG(int32_t, tls_reload_interval_s, 60,
          "re-read --tls_cert/--tls_key/--tls_client_ca this often (seconds): a rotated "
          "certificate serves new connections without a restart");
ABSL_FLAG(bool, plaintext, false, "serve gRPC without TLS (explicit opt-out)");
ABSL_FLAG(std::string, credentials, "",
          "token/certificate to role file (see docs/security.md); reloaded on SIGHUP");
ABSL_FLAG(bool, allow_unauthenticated, false,
          "accept every caller as admin; development only (explicit opt-out)");
ABSL_FLAG(std::string, audit_log, "", "append audit records (JSON lines) here; empty: stderr");
ABSL_FLAG(int64_t, audit_log_max_bytes, 0,
          "rotate the audit log when it would grow past this size (0: never)");
ABSL_FLAG(int32_t, audit_log_keep, 10, "rotated audit logs kept (FILE.1 newest ... FILE.N)");
ABSL_FLAG(double, rate_limit_rps, 50, "requests per second per caller (0: unlimited)");

namespace cw::security {

absl::StatusOr<SecurityConfig> SecurityFromFlags() {
  SecurityConfig c;
  ServerTlsOptions tls;
  tls.cert = absl::GetFlag(FLAGS_tls_cert);
  tls.key = absl::GetFlag(FLAGS_tls_key);
  tls.client_ca = absl::GetFlag(FLAGS_tls_client_ca);
  tls.require_client_cert = absl::GetFlag(FLAGS_tls_require_client_cert);
  tls.plaintext = absl::GetFlag(FLAGS_plaintext);
  tls.reload_interval = absl::Seconds(absl::GetFlag(FLAGS_tls_reload_interval_s));
  auto creds = ServerCredentials(tls);
  if (!creds.ok()) return creds.status();
  c.server_credentials = *creds;
  auto callers = LoadCredentials(absl::GetFlag(FLAGS_credentials),
                                 absl::GetFlag(FLAGS_allow_unauthenticated));
  if (!callers.ok()) return callers.status();
  c.credentials = std::move(*callers);
  c.guard.audit_path = absl::GetFlag(FLAGS_audit_log);
  c.guard.audit_max_bytes = absl::GetFlag(FLAGS_audit_log_max_bytes);
  c.guard.audit_keep = absl::GetFlag(FLAGS_audit_log_keep);
  if (c.guard.audit_keep < 0 || c.guard.audit_max_bytes < 0) {
    return absl::InvalidArgumentError(
        "--audit_log_max_bytes and --audit_log_keep must be 0 or more");
  }
  c.guard.credentials_path = absl::GetFlag(FLAGS_credentials);
  c.guard.allow_unauthenticated = absl::GetFlag(FLAGS_allow_unauthenticated);
  c.guard.reload_on_hangup = !c.guard.credentials_path.empty();
  c.guard.requests_per_second = absl::GetFlag(FLAGS_rate_limit_rps);
  c.guard.burst = std::max(1.0, 4 * c.guard.requests_per_second);
  return c;
}

}  // namespace cw::security
