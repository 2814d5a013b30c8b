// Value types shared by the cluster metric formulas (an enterprise's or an industry's
// figure), money scale constants, annualisation of year-to-date figures, ratios that are
// "not defined" instead of NaN, and the rank helpers behind "top x%" rules.
// Value types and pure functions; thread-safe.
//
// Conventions of the whole library (common/metrics):
//   - Money is int64 fen (1 元 = 100 fen) until a ratio is computed; ratios are double.
//   - A ratio whose denominator is zero (or not positive where a share is meant) is
//     std::nullopt ("not defined"), never NaN or infinity.
//   - Rankings are by value, largest first, ties broken by id ascending (stable by id).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cw::metrics {

inline constexpr int64_t kFenPerYuan = 100;
inline constexpr int64_t kFenPerWan = 1'000'000;       // 万元 (ten thousand yuan)
inline constexpr int64_t kFenPerYi = 10'000'000'000;   // 亿元 (hundred million yuan)

// One enterprise's figure (output, tax, purchases, ...) in fen. `id` is the USCC.
struct FirmValue {
  std::string id;
  std::string name;
  int64_t value_fen = 0;
};

// One industry's figure in fen; `industry` is a GB/T 4754-2017 code (division or class).
struct IndustryValue {
  std::string industry;
  int64_t value_fen = 0;
};

// num / den, or nullopt when den == 0.
std::optional<double> Ratio(int64_t num, int64_t den);

// A year-to-date figure scaled to a full year: ytd × 12 / months_covered, rounded half
// away from zero to whole fen (exact 128-bit arithmetic). nullopt when months_covered is
// outside 1..12 or the result overflows int64. Annualise(x, 12) == x.
std::optional<int64_t> Annualise(int64_t ytd_fen, int months_covered);

// Number of units in the top `fraction` of `n` ranked units: ceil(fraction × n), clamped to
// [0, n] (a tolerance of 1e-9 keeps 0.2 × 10 at 2, not 3). fraction <= 0 gives 0.
int64_t TopCount(double fraction, int64_t n);

// Formats a ratio as a percentage with one decimal: 0.1234 -> "12.3%".
std::string FormatPercent(double ratio);

// Formats fen in 亿元 or, below one 亿, in 万元, two decimals, half away from zero:
// "35.20亿元", "5000.00万元".
std::string FormatMoneyZh(int64_t fen);

// Formats fen in English: "CNY 3.52 bn" from one billion yuan up, else "CNY 50.00 m".
std::string FormatMoneyEn(int64_t fen);

}  // namespace cw::metrics
