// Tests of the librdkafka settings from --kafka_config and --kafka_config_file.
#include "common/obs/kafka_settings.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, kafka_config_file);

namespace cw::obs {
namespace {

using Settings = std::map<std::string, std::string>;

// Properties: comments, blank lines, '=' or ':', spaces around the key, values kept whole
// (commas and '=' included).
TEST(KafkaSettingsTest, ParsesAPropertiesFile) {
  auto s = ParseProperties(
      "# Kafka client of cw-ingest\n"
      "! also a comment\n"
      "\n"
      "security.protocol=SASL_SSL\n"
      "  sasl.mechanism : SCRAM-SHA-512\n"
      "sasl.username=cw-ingest\n"
      "sasl.password=a,b=c d\n"
      "ssl.ca.location=/etc/clusterwatch/kafka-ca.pem\r\n");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, (Settings{{"security.protocol", "SASL_SSL"},
                          {"sasl.mechanism", "SCRAM-SHA-512"},
                          {"sasl.username", "cw-ingest"},
                          {"sasl.password", "a,b=c d"},
                          {"ssl.ca.location", "/etc/clusterwatch/kafka-ca.pem"}}));
}

// A bad line is named by number; its text (maybe a secret) is not repeated.
TEST(KafkaSettingsTest, RefusesBadLinesNamingTheLineOnly) {
  EXPECT_EQ(ParseProperties("a=1\nhunter2\n").status(),
            absl::InvalidArgumentError(
                "line 2: not key=value (a key, '=', then its value)"));
  EXPECT_EQ(ParseProperties("=x\n").status(), absl::InvalidArgumentError("line 1: no key"));
  EXPECT_EQ(ParseProperties("a=1\na=2\n").status(),
            absl::InvalidArgumentError("line 2: 'a' is set twice in the file"));
}

// The file, overlaid with --kafka_config; errors name the flag and the file.
TEST(KafkaSettingsTest, FileThenInlineSettings) {
  const std::string path =
      ::testing::TempDir() + "kafka-settings-" + std::to_string(::getpid()) + ".properties";
  std::ofstream(path) << "security.protocol=SSL\nsasl.password=secret\n";
  absl::SetFlag(&FLAGS_kafka_config_file, path);
  auto s = KafkaSettings("security.protocol=SASL_SSL,client.id=cw");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, (Settings{{"client.id", "cw"},
                          {"sasl.password", "secret"},
                          {"security.protocol", "SASL_SSL"}}));
  std::ofstream(path) << "sasl.password secret\n";
  EXPECT_EQ(KafkaSettings("").status(),
            absl::InvalidArgumentError("--kafka_config_file=" + path +
                                       ": line 1: not key=value (a key, '=', then its value)"));
  absl::SetFlag(&FLAGS_kafka_config_file, path + ".missing");
  EXPECT_EQ(KafkaSettings("").status(),
            absl::InvalidArgumentError("--kafka_config_file=" + path +
                                       ".missing: cannot read the file"));
  absl::SetFlag(&FLAGS_kafka_config_file, "");
  EXPECT_EQ(KafkaSettings("novalue").status(),
            absl::InvalidArgumentError("--kafka_config: setting 'novalue' is not key=value"));
  EXPECT_EQ(*KafkaSettings(""), Settings{});
  std::remove(path.c_str());
}

}  // namespace
}  // namespace cw::obs
