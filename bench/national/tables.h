// Static tables of the national generator: real GB/T 2260 province and prefecture-level
// codes (with the county codes known to be real), real GB/T 4754-2017 manufacturing classes
// (section C), and the weights that shape the synthetic country. Internal to cw::national.
// Constant data; thread-safe.
//
// What is real and what is synthetic:
//   - Province (xx0000) and prefecture (xxxx00) codes are real GB/T 2260 codes with their
//     names (every province-level division with development zones; Taiwan, Hong Kong and
//     Macao are left out, having none in the catalogue).
//   - County codes (last two digits) are real for the four municipalities, the seed regions
//     of domain.md and a few large cities (kRealCounties). Everywhere else the generator
//     uses county digits 02..12 under a real prefecture: well-formed and in the right
//     prefecture, but not necessarily an existing county.
//   - The four-digit industry classes are real GB/T 4754-2017 manufacturing classes.
//   - The weights (enterprises per province, firms per division) give the data a plausible
//     national shape; they are rounded approximations for load testing, not statistics.
#pragma once

#include <cstddef>

namespace cw::national::tables {

struct Province {
  const char* code;        // two digits
  const char* name;
  int enterprise_weight;   // rough share of above-size enterprises (hundreds of firms)
};

struct Prefecture {
  const char* code;  // six digits, xxxx00 (a municipality: its 市辖区 xx0100)
  const char* name;
};

struct Division {
  const char* code;     // two-digit GB/T 4754-2017 division, 13..43 (section C)
  int weight;           // relative frequency of firms
  const char* classes;  // its four-digit classes, space separated
};

extern const Province kProvinces[];
extern const size_t kProvinceCount;
extern const Prefecture kPrefectures[];
extern const size_t kPrefectureCount;
// Real county-level codes, space separated (all under prefectures of kPrefectures).
extern const char* const kRealCounties;
extern const Division kDivisions[];
extern const size_t kDivisionCount;

}  // namespace cw::national::tables
