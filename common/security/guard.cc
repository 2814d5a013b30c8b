#include "common/security/guard.h"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/obs/log.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace cw::security {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// JSON string escaping for audit lines.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

namespace {
const obs::SteadyClock& ProcessSteadyClock() {
  static const auto* clock = new obs::SystemSteadyClock;
  return *clock;
}
}  // namespace

Guard::Guard(Credentials credentials, GuardOptions options, const obs::Clock& clock,
             prometheus::Registry& registry)
    : Guard(std::move(credentials), std::move(options), clock, ProcessSteadyClock(), registry) {}

Guard::Guard(Credentials credentials, GuardOptions options, const obs::Clock& clock,
             const obs::SteadyClock& steady, prometheus::Registry& registry)
    : credentials_(std::make_shared<const Credentials>(std::move(credentials))),
      options_(std::move(options)),
      clock_(clock),
      limiter_(options_.requests_per_second, options_.burst, steady),
      audit_counter_(prometheus::BuildCounter()
                         .Name("cw_audit_events_total")
                         .Help("Audited calls by role, method and result")
                         .Register(registry)),
      reloads_(prometheus::BuildCounter()
                   .Name("cw_credentials_reloads_total")
                   .Help("Reloads of the credentials file by result (ok, error)")
                   .Register(registry)) {
  if (!options_.audit_path.empty()) {
    absl::MutexLock lock(&mu_);
    audit_ = std::make_unique<std::ofstream>(options_.audit_path, std::ios::app);
    std::error_code ec;
    const auto size = std::filesystem::file_size(options_.audit_path, ec);
    audit_bytes_ = ec ? 0 : static_cast<int64_t>(size);
  }
  if (options_.reload_on_hangup) {
    hangup_ = obs::OnHangup([this] {
      if (auto s = ReloadCredentials(); s.ok()) {
        obs::Info("security", "credentials reloaded from ", options_.credentials_path);
      } else {
        obs::Error("security", "credentials not reloaded, the previous ones stay in force: ",
                   s.message());
      }
    });
  }
}

Guard::~Guard() { hangup_.reset(); }

std::shared_ptr<const Credentials> Guard::credentials() const {
  absl::MutexLock lock(&credentials_mu_);
  return credentials_;
}

void Guard::ReplaceCredentials(Credentials credentials) {
  auto next = std::make_shared<const Credentials>(std::move(credentials));
  absl::MutexLock lock(&credentials_mu_);
  credentials_.swap(next);
}

absl::Status Guard::ReloadCredentials() {
  auto loaded = LoadCredentials(options_.credentials_path, options_.allow_unauthenticated);
  reloads_.Add({{"result", loaded.ok() ? "ok" : "error"}}).Increment();
  if (!loaded.ok()) return loaded.status();
  ReplaceCredentials(std::move(*loaded));
  return absl::OkStatus();
}

grpc::Status Guard::Admit(const grpc::ServerContext* context, Caller* caller) {
  if (context == nullptr) {
    if (!credentials()->allow_all()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no call context");
    }
    return AdmitPresented({}, caller);
  }
  Presented presented;
  const auto& md = context->client_metadata();
  auto it = md.find("authorization");
  if (it != md.end()) {
    std::string v(it->second.data(), it->second.size());
    if (v.rfind("Bearer ", 0) == 0) presented.token = v.substr(7);
  }
  if (auto auth = context->auth_context(); auth && auth->IsPeerAuthenticated()) {
    CertificateNames names;
    for (const auto& v : auth->FindPropertyValues(GRPC_X509_SAN_PROPERTY_NAME)) {
      names.sans.emplace_back(v.data(), v.size());
    }
    auto cn = auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME);
    if (!cn.empty()) names.common_name = std::string(cn.front().data(), cn.front().size());
    if (!names.sans.empty() || !names.common_name.empty()) {
      presented.certificate = std::move(names);
    }
  }
  return AdmitPresented(presented, caller);
}

grpc::Status Guard::AdmitPresented(const Presented& presented, Caller* caller) {
  const absl::Time now = absl::FromUnixMillis(clock_.NowUnixMs());
  const auto creds = credentials();
  absl::StatusOr<Caller> who =
      !presented.token.empty() || !presented.certificate
          ? creds->ByToken(presented.token, now)
          : creds->ByCertificate(*presented.certificate, now);
  if (!who.ok()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(who.status().message()));
  }
  *caller = *who;
  if (!limiter_.Allow(caller->name)) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrFormat("rate limit: at most %.0f requests per second for %s",
                                        options_.requests_per_second, caller->name));
  }
  return grpc::Status::OK;
}

grpc::Status Guard::Require(const Caller& caller, std::initializer_list<Role> roles,
                            std::string_view what) {
  for (Role r : roles) {
    if (caller.role == r) return grpc::Status::OK;
  }
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      absl::StrCat("role ", std::string(RoleName(caller.role)), " of '",
                                   caller.name, "' may not ", std::string(what)));
}

void Guard::Audit(const Caller& caller, std::string_view method, std::string_view request,
                  const grpc::Status& result, int64_t suppressed_cells) {
  const std::string role(RoleName(caller.role));
  const std::string code = result.ok() ? "ok" : std::to_string(result.error_code());
  prometheus::Counter* counter = nullptr;
  {
    const std::string key = absl::StrCat(role, "|", std::string(method), "|", code);
    absl::MutexLock lock(&counters_mu_);
    auto& c = counters_[key];
    if (c == nullptr) {
      c = &audit_counter_.Add(
          {{"role", role}, {"method", std::string(method)}, {"result", code}});
    }
    counter = c;
  }
  counter->Increment();
  const int64_t ms = clock_.NowUnixMs();
  // Everything but the time; the time is formatted under the lock (once per second).
  const std::string rest = absl::StrCat(
      ",\"caller\":", Quote(caller.name), ",\"role\":", Quote(role),
      ",\"method\":", Quote(method), ",\"request\":", Quote(request),
      ",\"code\":", static_cast<int>(result.error_code()),
      ",\"message\":", Quote(result.error_message()),
      ",\"suppressed_cells\":", suppressed_cells, ",\"via\":", Quote(caller.via), "}\n");
  const int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  absl::MutexLock lock(&mu_);
  if (second != time_second_) {
    time_second_ = second;
    time_prefix_ = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                    absl::UTCTimeZone());
  }
  // Same text as FormatTime("%Y-%m-%dT%H:%M:%E3SZ") (JSON-safe: no quoting needed).
  const std::string line = absl::StrCat("{\"time\":\"", time_prefix_, ".",
                                        absl::StrFormat("%03d", ms - second * 1000), "Z\"",
                                        rest);
  // One write per record, before the answer is sent: a record is lost only with the
  // machine, never with the process.
  if (audit_) {
    if (options_.audit_max_bytes > 0 && audit_bytes_ > 0 &&
        audit_bytes_ + static_cast<int64_t>(line.size()) > options_.audit_max_bytes) {
      RotateAudit();
    }
    *audit_ << line << std::flush;
    audit_bytes_ += static_cast<int64_t>(line.size());
  } else {
    std::cerr << "AUDIT " << line;
  }
}

void Guard::RotateAudit() {
  const std::string& path = options_.audit_path;
  audit_->close();
  std::error_code ec;  // a missing older file is no error; a failed rename keeps appending
  if (options_.audit_keep <= 0) {
    std::filesystem::remove(path, ec);
  } else {
    std::filesystem::remove(absl::StrCat(path, ".", options_.audit_keep), ec);
    for (int i = options_.audit_keep - 1; i >= 1; --i) {
      std::filesystem::rename(absl::StrCat(path, ".", i), absl::StrCat(path, ".", i + 1), ec);
    }
    std::filesystem::rename(path, absl::StrCat(path, ".1"), ec);
    if (ec) obs::Error("security", "audit log ", path, " not rotated: ", ec.message());
  }
  audit_ = std::make_unique<std::ofstream>(path, std::ios::app);
  const auto size = std::filesystem::file_size(path, ec);
  audit_bytes_ = ec ? 0 : static_cast<int64_t>(size);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const ServerTlsOptions& o) {
  if (o.cert.empty() && o.key.empty()) {
    if (o.plaintext) return grpc::InsecureServerCredentials();
    return absl::InvalidArgumentError(
        "no TLS certificate: give --tls_cert and --tls_key (scripts/make-test-ca.sh makes a "
        "local test CA), or --plaintext explicitly");
  }
  if (o.cert.empty() || o.key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("only ", o.cert.empty() ? "--tls_key" : "--tls_cert",
                     " was given: a TLS server needs both --tls_cert and --tls_key"));
  }
  if (o.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--tls_reload_interval_s must be 1 or more");
  }
  // Read once here so that a missing or unreadable file stops the start with its name;
  // from then on gRPC's file watcher re-reads them.
  for (const std::string* path : {&o.cert, &o.key, &o.client_ca}) {
    if (path->empty()) continue;
    auto text = ReadFile(*path);
    if (!text.ok()) return text.status();
    if (text->find("-----BEGIN ") == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(*path, ": not a PEM file (no -----BEGIN line)"));
    }
  }
  // The watcher re-reads the files every reload_interval and swaps what new handshakes
  // use; established connections keep theirs. It reads the key and the certificate chain
  // together, so replace them atomically (a new directory behind a symlink, as Kubernetes
  // mounts Secrets) — a torn pair is refused by gRPC and the previous pair stays.
  const auto interval =
      static_cast<unsigned int>(absl::ToInt64Seconds(o.reload_interval));
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      o.key, o.cert, o.client_ca, interval);
  grpc::experimental::TlsServerCredentialsOptions opts(provider);
  opts.watch_identity_key_cert_pairs();
  if (!o.client_ca.empty()) {
    opts.watch_root_certs();
    opts.set_cert_request_type(o.require_client_cert
                                   ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                   : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    opts.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(opts);
}

absl::StatusOr<Credentials> LoadCredentials(const std::string& path,
                                            bool allow_unauthenticated) {
  if (path.empty()) {
    if (allow_unauthenticated) return Credentials::AllowAll();
    return absl::InvalidArgumentError(
        "no credentials file: give --credentials (token/certificate → role), or "
        "--allow_unauthenticated explicitly (development only)");
  }
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return Credentials::Parse(*text);
}

}  // namespace cw::security
