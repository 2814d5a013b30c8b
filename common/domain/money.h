// Exact money: decimal text in 元/千元/万元/亿元 to integer fen, and back to text.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace cw::domain {

// A source unit of money. The value is the number of fen in one unit.
enum class MoneyUnit : int64_t {
  kYuan = 100,                   // 元
  kThousandYuan = 100'000,       // 千元 (the usual unit of industrial forms)
  kTenThousandYuan = 1'000'000,  // 万元
  kHundredMillionYuan = 10'000'000'000,  // 亿元
};

// Parses a unit name: "元", "千元", "万元", "亿元", or "yuan", "thousand", "10k", "100m"
// (case-insensitive for the ASCII forms). Fails with kInvalidArgument naming the text.
absl::StatusOr<MoneyUnit> ParseMoneyUnit(std::string_view text);

// Parses decimal text ("1234", "1234.5", "-3", "1,234.50", " 12 ") in `unit` to fen,
// exactly. Thousands separators (",") are allowed in the integer part. Fails with
// kInvalidArgument when the text is not a decimal number, when it has more fraction digits
// than the unit can express in whole fen (e.g. "0.001" 元), and kOutOfRange on overflow of
// int64 fen. Empty text is an error (a missing figure is not zero).
absl::StatusOr<int64_t> ParseMoney(std::string_view text, MoneyUnit unit);

// Formats fen as yuan with two decimals and thousands separators: 123456789 -> "1,234,567.89".
std::string FormatYuan(int64_t fen);

// Formats fen in 亿元 (hundred million yuan) with two decimals, rounded half away from zero:
// 2447700000000 fen -> "244.77".
std::string FormatYi(int64_t fen);

}  // namespace cw::domain
