#include "common/obs/kafka_settings.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "common/obs/metrics_server.h"

ABSL_FLAG(std::string, kafka_config_file, "",
          "librdkafka settings from a properties file (key=value lines, # comments), for "
          "secrets such as sasl.password; --kafka_config settings win over the file's");

ABSL_FLAG(int32_t, kafka_login_refused_exit_s, 30,
          "exit (status 78) when the Kafka broker has refused this program's login (SASL or "
          "TLS) for this many seconds with nothing read or delivered meanwhile; 0: retry for "
          "ever");

namespace cw::obs {

absl::Duration KafkaLoginRefusedExitAfter() {
  return absl::Seconds(std::max(0, absl::GetFlag(FLAGS_kafka_login_refused_exit_s)));
}

absl::StatusOr<std::map<std::string, std::string>> ParseProperties(std::string_view text) {
  std::map<std::string, std::string> out;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++n;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    const auto sep = line.find_first_of("=:");
    if (sep == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", n, ": not key=value (a key, '=', then its value)"));
    }
    const auto key = absl::StripTrailingAsciiWhitespace(line.substr(0, sep));
    if (key.empty()) return absl::InvalidArgumentError(absl::StrCat("line ", n, ": no key"));
    const auto value = absl::StripLeadingAsciiWhitespace(line.substr(sep + 1));
    if (!out.emplace(std::string(key), std::string(value)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", n, ": '", key, "' is set twice in the file"));
    }
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> KafkaSettings(
    std::string_view inline_settings) {
  std::map<std::string, std::string> out;
  if (const std::string path = absl::GetFlag(FLAGS_kafka_config_file); !path.empty()) {
    std::ifstream f(path);
    std::stringstream text;
    if (!f || !(text << f.rdbuf())) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka_config_file=", path, ": cannot read the file"));
    }
    auto parsed = ParseProperties(text.str());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka_config_file=", path, ": ", parsed.status().message()));
    }
    out = *std::move(parsed);
  }
  auto inline_parsed = ParseKeyValues(inline_settings);
  if (!inline_parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--kafka_config: ", inline_parsed.status().message()));
  }
  for (auto& [k, v] : *inline_parsed) out[k] = std::move(v);
  return out;
}

}  // namespace cw::obs
