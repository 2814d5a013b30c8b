#include "common/obs/metrics_server.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/obs/program.h"
#include "common/obs/sha256.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"

ABSL_FLAG(std::string, metrics_auth_file, "",
          "HTTP basic auth for /metrics: lines 'USER SHA256-HEX-OF-PASSWORD'; empty: open");

namespace cw::obs {

absl::StatusOr<MetricsAuth> ParseMetricsAuth(std::string_view text) {
  MetricsAuth auth;
  std::map<std::string, int> lines;
  int line_no = 0;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (f.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metrics auth line ", line_no, ": expected USER SHA256-HEX-OF-PASSWORD"));
    }
    if (f[1].size() != 64 || !std::all_of(f[1].begin(), f[1].end(), [](char c) {
          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metrics auth line ", line_no, ": the password's SHA-256 must be 64 lowercase hex "
          "digits"));
    }
    if (auto [it, fresh] = lines.emplace(f[0], line_no); !fresh) {
      return absl::InvalidArgumentError(absl::StrCat("metrics auth line ", line_no, ": user '",
                                                     f[0], "' is already given on line ",
                                                     it->second));
    }
    auth.password_sha256[f[0]] = f[1];
  }
  return auth;
}

bool MetricsAuthAccepts(const MetricsAuth& auth, const std::string& user,
                        const std::string& password) {
  auto it = auth.password_sha256.find(user);
  const std::string got = Sha256Hex(password);
  const std::string& want = it == auth.password_sha256.end() ? got : it->second;
  unsigned char diff = it == auth.password_sha256.end() ? 1 : 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) diff |= got[i] ^ want[i];
  return diff == 0 && got.size() == want.size();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  MetricsAuth auth;
  const std::string path = absl::GetFlag(FLAGS_metrics_auth_file);
  if (!path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics_auth_file=", path, ": cannot read the file"));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = ParseMetricsAuth(ss.str());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics_auth_file=", path, ": ", parsed.status().message()));
    }
    if (parsed->password_sha256.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--metrics_auth_file=", path, ": no user (expected USER SHA256 lines)"));
    }
    auth = std::move(*parsed);
  }
  return Start(address, std::move(registry), auth);
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry,
    const MetricsAuth& auth) {
  // cw_build_info{program,version,commit} 1: which build every scraped process runs.
  prometheus::BuildGauge()
      .Name("cw_build_info")
      .Help("Always 1; the labels say which program, version and commit this process runs")
      .Register(*registry)
      .Add({{"program", ProgramName()},
            {"version", std::string(Version())},
            {"commit", std::string(Commit())}})
      .Set(1);
  try {  // prometheus-cpp reports a busy port by throwing; keep it at this boundary.
    auto exposer = std::make_unique<prometheus::Exposer>(address);
    exposer->RegisterCollectable(registry);
    if (!auth.password_sha256.empty()) {
      exposer->RegisterAuth(
          [auth](const std::string& user, const std::string& password) {
            return MetricsAuthAccepts(auth, user, password);
          },
          "clusterwatch metrics");
    }
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(exposer)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("metrics listener on ", address, ": ", e.what()));
  }
}

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer)
    : exposer_(std::move(exposer)) {}
MetricsServer::~MetricsServer() = default;

void MetricsServer::Add(std::shared_ptr<prometheus::Registry> registry) {
  exposer_->RegisterCollectable(registry);
}

int MetricsServer::port() const {
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(std::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view item :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipEmpty())) {
    auto eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting '", item, "' is not key=value"));
    }
    out[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  return out;
}

}  // namespace cw::obs
