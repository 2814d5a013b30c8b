// Deterministic pseudo-random numbers with integer arithmetic only, for the data generators
// (the bundled sample, cli/sample; the national-scale load, bench/national): the same seed
// gives the same numbers on every platform. Not thread-safe (one Rng per thread).
#pragma once

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

 private:
  std::mt19937_64 engine_;
};

}  // namespace cw::domain
