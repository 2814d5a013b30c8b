// librdkafka settings of a program: --kafka_config=k=v,k=v (inline) and
// --kafka_config_file=FILE, a Java-style properties file (`key=value` lines, `#` or `!`
// comments, blank lines), for what must not stand on a command line (`ps` shows it) or
// holds commas: sasl.password, ssl.key.password, sasl.jaas.config. Inline settings win
// over the file's. Errors name the flag, the file and the line, never a value.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cw::obs {

// Pure: the settings of a properties file's text. kInvalidArgument naming the line (1-based)
// of the first line that is not `key=value` (or `key: value`), or that repeats a key.
absl::StatusOr<std::map<std::string, std::string>> ParseProperties(std::string_view text);

// The file of --kafka_config_file (when set) overlaid with `inline_settings` (the value of
// the program's --kafka_config). kInvalidArgument when the file cannot be read or parsed, or
// an inline item is not key=value.
absl::StatusOr<std::map<std::string, std::string>> KafkaSettings(
    std::string_view inline_settings);

// --kafka_login_refused_exit_s: how long a refused Kafka login is retried before the
// program exits (kafka::ClientOptions::login_refused_exit_after; zero: for ever).
absl::Duration KafkaLoginRefusedExitAfter();

}  // namespace cw::obs
