// Exact money parsing and formatting. See money.h.
//
// Parsing accumulates the digits in an unsigned 128-bit integer, so every int64 fen amount
// in every unit is computed exactly; anything beyond int64 is reported as kOutOfRange.
// Trailing zeros of a fraction express nothing finer than the digits before them, so
// "1.500" 元 is accepted as 150 fen while "0.001" 元 is refused as finer than a fen.
#include "common/domain/money.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cw::domain {
namespace {

using uint128 = unsigned __int128;

// Chinese name of a unit, for messages.
std::string_view UnitName(MoneyUnit unit) {
  switch (unit) {
    case MoneyUnit::kYuan:
      return "元";
    case MoneyUnit::kThousandYuan:
      return "千元";
    case MoneyUnit::kTenThousandYuan:
      return "万元";
    case MoneyUnit::kHundredMillionYuan:
      return "亿元";
  }
  return "?";
}

// Number of decimal places a unit can express in whole fen (log10 of fen per unit).
int FractionDigits(MoneyUnit unit) {
  int digits = 0;
  for (int64_t v = static_cast<int64_t>(unit); v > 1; v /= 10) ++digits;
  return digits;
}

// Debian's Abseil has its own string_view type, so these work on std::string_view here.
std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

// Groups the decimal digits of `v` in threes with commas.
std::string GroupThousands(uint64_t v) {
  std::string digits = absl::StrCat(v);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

uint64_t Magnitude(int64_t v) {
  return v < 0 ? static_cast<uint64_t>(0) - static_cast<uint64_t>(v)
               : static_cast<uint64_t>(v);
}

absl::Status NotDecimal(std::string_view text, MoneyUnit unit) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "'%s' is not a decimal number (expected digits with an optional fraction, in %s)",
      text, UnitName(unit)));
}

}  // namespace

absl::StatusOr<MoneyUnit> ParseMoneyUnit(std::string_view text) {
  const std::string_view t = TrimAscii(text);
  if (t == "元") return MoneyUnit::kYuan;
  if (t == "千元") return MoneyUnit::kThousandYuan;
  if (t == "万元") return MoneyUnit::kTenThousandYuan;
  if (t == "亿元") return MoneyUnit::kHundredMillionYuan;
  const std::string lower = absl::AsciiStrToLower(std::string(t));
  if (lower == "yuan") return MoneyUnit::kYuan;
  if (lower == "thousand") return MoneyUnit::kThousandYuan;
  if (lower == "10k") return MoneyUnit::kTenThousandYuan;
  if (lower == "100m") return MoneyUnit::kHundredMillionYuan;
  return absl::InvalidArgumentError(absl::StrFormat(
      "'%s' is not a money unit (expected 元, 千元, 万元, 亿元, yuan, thousand, 10k or 100m)",
      text));
}

absl::StatusOr<int64_t> ParseMoney(std::string_view text, MoneyUnit unit) {
  const std::string_view t = TrimAscii(text);
  if (t.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is empty (expected digits with an optional fraction, in %s; a missing figure "
        "is not zero)",
        text, UnitName(unit)));
  }
  size_t i = 0;
  bool negative = false;
  if (t[i] == '+' || t[i] == '-') {
    negative = t[i] == '-';
    ++i;
  }

  // Integer part: digits, optionally grouped in threes by commas ("1,234,567").
  // The bound keeps the accumulator far from 128-bit overflow; anything above it is out of
  // int64 fen range in every unit anyway.
  constexpr uint128 kIntegerBound = static_cast<uint128>(1) << 100;
  uint128 integer = 0;
  int digits_in_group = 0;
  int integer_digits = 0;
  bool grouped = false;
  bool too_large = false;
  for (; i < t.size() && t[i] != '.'; ++i) {
    const char c = t[i];
    if (c == ',') {
      // A separator needs 1..3 digits before it (3 after an earlier separator).
      if (digits_in_group == 0 || digits_in_group > 3 || (grouped && digits_in_group != 3)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "'%s' has a misplaced thousands separator (expected digits grouped in threes "
            "such as 1,234,567.89, in %s)",
            text, UnitName(unit)));
      }
      grouped = true;
      digits_in_group = 0;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return NotDecimal(text, unit);
    ++digits_in_group;
    ++integer_digits;
    if (integer < kIntegerBound) {
      integer = integer * 10 + static_cast<uint128>(c - '0');
    } else {
      too_large = true;
    }
  }
  if (integer_digits == 0) return NotDecimal(text, unit);
  if (grouped && digits_in_group != 3) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' has a misplaced thousands separator (expected digits grouped in threes "
        "such as 1,234,567.89, in %s)",
        text, UnitName(unit)));
  }

  // Fraction part.
  std::string_view fraction;
  if (i < t.size()) {  // t[i] == '.'
    fraction = t.substr(i + 1);
    if (fraction.empty()) return NotDecimal(text, unit);
    for (char c : fraction) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return NotDecimal(text, unit);
    }
    while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  }
  const int max_fraction = FractionDigits(unit);
  if (static_cast<int>(fraction.size()) > max_fraction) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "'%s' is finer than a fen (expected at most %d fraction digits in %s)", text,
        max_fraction, UnitName(unit)));
  }

  const uint128 per_unit = static_cast<uint128>(static_cast<int64_t>(unit));
  uint128 frac_fen = 0;
  uint128 scale = per_unit;
  for (char c : fraction) {
    scale /= 10;
    frac_fen += static_cast<uint128>(c - '0') * scale;
  }
  // The first comparison guards the product against 128-bit overflow.
  const uint128 limit = negative
                            ? static_cast<uint128>(std::numeric_limits<int64_t>::max()) + 1
                            : static_cast<uint128>(std::numeric_limits<int64_t>::max());
  if (too_large || integer > limit / per_unit || integer * per_unit + frac_fen > limit) {
    return absl::OutOfRangeError(absl::StrFormat(
        "'%s' in %s is outside the range of int64 fen (expected at most "
        "92,233,720,368,547,758.07 元 in magnitude)",
        text, UnitName(unit)));
  }
  const uint128 fen = integer * per_unit + frac_fen;
  if (negative) {
    return static_cast<int64_t>(static_cast<uint64_t>(0) - static_cast<uint64_t>(fen));
  }
  return static_cast<int64_t>(fen);
}

std::string FormatYuan(int64_t fen) {
  const uint64_t m = Magnitude(fen);
  return absl::StrFormat("%s%s.%02d", fen < 0 ? "-" : "", GroupThousands(m / 100),
                         static_cast<int>(m % 100));
}

std::string FormatYi(int64_t fen) {
  // One hundredth of 亿元 is 1,000,000 yuan = 100,000,000 fen.
  constexpr uint64_t kHundredthYi = 100'000'000;
  const uint64_t m = Magnitude(fen);
  uint64_t hundredths = m / kHundredthYi;
  if (m % kHundredthYi >= kHundredthYi / 2) ++hundredths;  // half away from zero
  const bool negative = fen < 0 && hundredths != 0;
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", hundredths / 100,
                         static_cast<int>(hundredths % 100));
}

}  // namespace cw::domain
