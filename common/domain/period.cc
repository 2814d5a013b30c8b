// Reporting periods. See period.h.
#include "common/domain/period.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace cw::domain {
namespace {

constexpr int kMinYear = 1949;
constexpr int kMaxYear = 2100;

constexpr std::string_view kNian = "年";
constexpr std::string_view kYue = "月";

absl::Status NotAPeriod(std::string_view text) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "'%s' is not a period (expected 2024-03, 202403, 2024-3 or 2024年3月; for "
      "January–February 2024-01/02, 2024-1-2, 2024-01~02 or 2024年1-2月)",
      text));
}

// A small cursor over the text being parsed. Spaces between tokens are skipped
// ("2024 年 3 月", "2024-01 / 02").
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return s_.empty(); }
  // Consumes `token` when the text continues with it.
  bool Take(std::string_view token) {
    SkipSpaces();
    if (!s_.starts_with(token)) return false;
    s_.remove_prefix(token.size());
    return true;
  }
  // Consumes 1..max_digits ASCII digits into *value; false when there are none.
  bool TakeDigits(int max_digits, int* value, int* count) {
    SkipSpaces();
    int n = 0;
    int v = 0;
    while (n < static_cast<int>(s_.size()) && absl::ascii_isdigit(s_[n])) {
      if (n < max_digits) v = v * 10 + (s_[n] - '0');  // more digits fail below
      ++n;
    }
    if (n == 0 || n > max_digits) return false;
    s_.remove_prefix(n);
    *value = v;
    *count = n;
    return true;
  }

 private:
  void SkipSpaces() {
    while (!s_.empty() && s_.front() == ' ') s_.remove_prefix(1);
  }

  std::string_view s_;
};

absl::StatusOr<Period> Checked(std::string_view text, int year, int month, bool jan_feb) {
  if (year < kMinYear || year > kMaxYear) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "year %d in '%s' is outside %d..%d", year, text, kMinYear, kMaxYear));
  }
  if (month < 1 || month > 12) {
    return absl::InvalidArgumentError(
        absl::StrFormat("month %d in '%s' is outside 1..12", month, text));
  }
  Period p;
  p.year = year;
  p.month = month;
  p.jan_feb = jan_feb;
  return p;
}

}  // namespace

std::string Period::Key() const {
  if (jan_feb) return absl::StrFormat("%04d-01/02", year);
  return absl::StrFormat("%04d-%02d", year, month);
}

std::string Period::Chinese() const {
  if (jan_feb) return absl::StrFormat("%d年1-2月", year);
  return absl::StrFormat("%d年%d月", year, month);
}

bool PeriodLess(const Period& a, const Period& b) {
  // The order of the keys ("2024-01" < "2024-01/02" < "2024-02"), without building them:
  // January–February ranks between January and February.
  auto rank = [](const Period& p) { return p.month * 2 - (p.jan_feb ? 1 : 0); };
  if (a.year != b.year) return a.year < b.year;
  return rank(a) < rank(b);
}

absl::StatusOr<Period> ParsePeriod(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && absl::ascii_isspace(static_cast<unsigned char>(t.front()))) {
    t.remove_prefix(1);
  }
  while (!t.empty() && absl::ascii_isspace(static_cast<unsigned char>(t.back()))) {
    t.remove_suffix(1);
  }

  // "202403"
  if (t.size() == 6 &&
      std::all_of(t.begin(), t.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return Checked(text, (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 +
                             (t[3] - '0'),
                   (t[4] - '0') * 10 + (t[5] - '0'), false);
  }

  Cursor c(t);
  int year = 0;
  int count = 0;
  if (!c.TakeDigits(4, &year, &count) || count != 4) return NotAPeriod(text);
  const bool chinese = c.Take(kNian);
  if (!chinese && !c.Take("-") && !c.Take(".") && !c.Take("/")) return NotAPeriod(text);
  int month = 0;
  if (!c.TakeDigits(2, &month, &count)) return NotAPeriod(text);

  int last_month = 0;
  bool range = false;
  for (std::string_view sep : {"/", "-", "~", "～", "—", "–", "－", "至"}) {
    if (c.Take(sep)) {
      range = true;
      break;
    }
  }
  if (range && !c.TakeDigits(2, &last_month, &count)) return NotAPeriod(text);
  if (chinese) c.Take(kYue);
  if (!c.AtEnd()) return NotAPeriod(text);

  if (!range) return Checked(text, year, month, false);
  if (month != 1 || last_month != 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' covers months %d to %d (expected a single month, or 1-2 for the combined "
        "January–February period)",
        text, month, last_month));
  }
  return Checked(text, year, 2, true);
}

Period SameLastYear(const Period& p) {
  Period q = p;
  q.year = p.year - 1;
  return q;
}

}  // namespace cw::domain
