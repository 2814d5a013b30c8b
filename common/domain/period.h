// Statistical reporting periods, including the combined January–February period (1-2月).
// Value type; thread-safe.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cw::domain {

struct Period {
  int year = 0;
  int month = 0;         // 1..12
  bool jan_feb = false;  // the combined January–February period; then month == 2

  // Canonical key: "2024-03" for a month, "2024-01/02" for January–February. Keys sort in
  // period order: 2024-01 < 2024-01/02 < 2024-02 < 2024-03.
  std::string Key() const;
  // Readable Chinese form: "2024年3月", "2024年1-2月".
  std::string Chinese() const;
  // First calendar month covered (1 for January–February).
  int FirstMonth() const { return jan_feb ? 1 : month; }

  friend auto operator<=>(const Period&, const Period&) = default;
};

// Orders periods as their keys sort.
bool PeriodLess(const Period& a, const Period& b);

// Parses "2024-03", "202403", "2024-3", "2024年3月", "2024年03月", "2024-01/02", "2024-1-2",
// "2024年1-2月", "2024-01~02". Fails with kInvalidArgument saying what forms are expected,
// and for a year outside 1949..2100 or a month outside 1..12.
absl::StatusOr<Period> ParsePeriod(std::string_view text);

// The same period one year earlier (January–February stays combined).
Period SameLastYear(const Period& p);

}  // namespace cw::domain
