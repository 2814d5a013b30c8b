// Deterministic pseudo-random numbers with integer arithmetic only, for the data generators
// (the bundled sample, cli/sample; the national-scale load, bench/national): the same seed
// gives the same numbers on every platform. Not thread-safe (one Rng per thread).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

namespace cw::domain {

// SplitMix64's finaliser: a well-mixed 64-bit hash of `x`.
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// std::mt19937_64 with unbiased integer draws (std::uniform_int_distribution's algorithm is
// implementation-defined, so it would not give the same numbers everywhere).
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform integer in [lo, hi] by rejection sampling. REQUIRES: lo <= hi.
  int64_t Uniform(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    if (span == 0) return static_cast<int64_t>(engine_());  // the whole 64-bit range
    const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
    uint64_t x;
    do {
      x = engine_();
    } while (x >= limit);
    return lo + static_cast<int64_t>(x % span);
  }

  // True with probability p/1000.
  bool PerMille(int64_t p) { return Uniform(0, 999) < p; }

  // Approximately standard normal, in thousandths (Irwin–Hall: the sum of 12 uniforms in
  // [0, steps), centred), clipped to ±limit. REQUIRES: steps a positive multiple of 1000.
  int64_t NormalMilli(int64_t steps, int64_t limit) {
    int64_t sum = 0;
    for (int i = 0; i < 12; ++i) sum += Uniform(0, steps - 1);
    return std::clamp<int64_t>((sum - 6 * (steps - 1)) / (steps / 1000), -limit, limit);
  }

 private:
  std::mt19937_64 engine_;
};

// exp(k/10) in millionths for k = -40..40.
inline constexpr std::array<int64_t, 81> kExpPpm = {
    18316,    20242,    22371,    24724,    27324,    30197,    33373,    36883,
    40762,    45049,    49787,    55023,    60810,    67206,    74274,    82085,
    90718,    100259,   110803,   122456,   135335,   149569,   165299,   182684,
    201897,   223130,   246597,   272532,   301194,   332871,   367879,   406570,
    449329,   496585,   548812,   606531,   670320,   740818,   818731,   904837,
    1000000,  1105171,  1221403,  1349859,  1491825,  1648721,  1822119,  2013753,
    2225541,  2459603,  2718282,  3004166,  3320117,  3669297,  4055200,  4481689,
    4953032,  5473947,  6049647,  6685894,  7389056,  8166170,  9025013,  9974182,
    11023176, 12182494, 13463738, 14879732, 16444647, 18174145, 20085537, 22197951,
    24532530, 27112639, 29964100, 33115452, 36598234, 40447304, 44701184, 49402449,
    54598150};

// exp(x/1000) in millionths, by linear interpolation in kExpPpm; x clipped to ±4000.
inline int64_t ExpPpm(int64_t x_milli) {
  const int64_t shifted = std::clamp<int64_t>(x_milli, -4000, 4000) + 4000;
  const size_t i = static_cast<size_t>(shifted / 100);
  const int64_t frac = shifted % 100;
  if (i + 1 >= kExpPpm.size()) return kExpPpm.back();
  return (kExpPpm[i] * (100 - frac) + kExpPpm[i + 1] * frac) / 100;
}

}  // namespace cw::domain
