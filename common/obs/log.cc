#include "common/obs/log.h"

#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cw::obs {

void Log(Level level, std::string_view component, std::string_view message) {
  const char tag = level == Level::kInfo ? 'I' : level == Level::kWarning ? 'W' : 'E';
  std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
      std::string(1, tag), " ", std::string(component), ": ", std::string(message), "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace cw::obs
