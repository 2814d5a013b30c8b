#include "common/domain/key_value.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace cw::domain {

std::string_view TrimSpace(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string ShortestDouble(double v) {
  for (int precision = 1; precision <= 17; ++precision) {
    std::string s = absl::StrFormat("%.*g", precision, v);
    double back = 0;
    if (absl::SimpleAtod(s, &back) && back == v) return s;
  }
  return absl::StrFormat("%.17g", v);
}

absl::StatusOr<std::vector<KeyValueLine>> ParseKeyValueLines(
    std::string_view text, const std::function<absl::Status(std::string_view)>& check_key) {
  std::vector<KeyValueLine> out;
  std::map<std::string, int, std::less<>> seen;  // key -> line
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', start);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = TrimSpace(line);
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "line %d: '%s' has no '=' (expected key = value)", line_no, std::string(line)));
    }
    const std::string_view key = TrimSpace(line.substr(0, eq));
    const std::string_view value = TrimSpace(line.substr(eq + 1));
    if (absl::Status s = check_key(key); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("line %d: %s", line_no, std::string(s.message())));
    }
    if (auto it = seen.find(key); it != seen.end()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("line %d: key '%s' repeats line %d (each key at most once)", line_no,
                          std::string(key), it->second));
    }
    seen.emplace(std::string(key), line_no);
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "line %d: %s has no value (expected key = value)", line_no, std::string(key)));
    }
    out.push_back({line_no, std::string(key), std::string(value)});
  }
  return out;
}

}  // namespace cw::domain
