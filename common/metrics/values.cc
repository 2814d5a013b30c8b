// Shared value helpers. See values.h.
#include "common/metrics/values.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"

namespace cw::metrics {
namespace {

using int128 = __int128;

// |fen| / unit_fen in hundredths, rounded half away from zero, with its sign, as "d.dd".
std::string Scaled(int64_t fen, int64_t unit_fen) {
  const int128 m = fen < 0 ? -static_cast<int128>(fen) : static_cast<int128>(fen);
  const int128 hundredth = unit_fen / 100;
  int128 h = m / hundredth;
  if ((m % hundredth) * 2 >= hundredth) ++h;
  const bool negative = fen < 0 && h != 0;
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", static_cast<int64_t>(h / 100),
                         static_cast<int>(h % 100));
}

}  // namespace

std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

std::optional<int64_t> Annualise(int64_t ytd_fen, int months_covered) {
  if (months_covered < 1 || months_covered > 12) return std::nullopt;
  const int128 scaled = static_cast<int128>(ytd_fen) * 12;
  int128 q = scaled / months_covered;
  const int128 r = scaled % months_covered;
  if ((r < 0 ? -r : r) * 2 >= months_covered) q += (scaled < 0 ? -1 : 1);
  if (q > std::numeric_limits<int64_t>::max() || q < std::numeric_limits<int64_t>::min()) {
    return std::nullopt;
  }
  return static_cast<int64_t>(q);
}

int64_t TopCount(double fraction, int64_t n) {
  if (n <= 0 || !(fraction > 0)) return 0;
  const double k = std::ceil(fraction * static_cast<double>(n) - 1e-9);
  if (k >= static_cast<double>(n)) return n;
  return k < 0 ? 0 : static_cast<int64_t>(k);
}

std::string FormatPercent(double ratio) { return absl::StrFormat("%.1f%%", ratio * 100.0); }

std::string FormatMoneyZh(int64_t fen) {
  const bool yi = fen >= kFenPerYi || fen <= -kFenPerYi;
  return yi ? Scaled(fen, kFenPerYi) + "亿元" : Scaled(fen, kFenPerWan) + "万元";
}

std::string FormatMoneyEn(int64_t fen) {
  constexpr int64_t kBillion = 100'000'000'000;  // fen in one billion yuan
  constexpr int64_t kMillion = 100'000'000;
  const bool bn = fen >= kBillion || fen <= -kBillion;
  return bn ? "CNY " + Scaled(fen, kBillion) + " bn" : "CNY " + Scaled(fen, kMillion) + " m";
}

}  // namespace cw::metrics
