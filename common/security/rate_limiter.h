// A per-key token bucket on a steady clock: each key may make `rate` requests per second
// sustained and `burst` at once. Time comes from an obs::SteadyClock, so a wall-clock step
// (NTP correction, manual change) neither locks callers out nor lets them through.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/obs/clock.h"

namespace cw::security {

class RateLimiter {
 public:
  // REQUIRES: rate >= 0, burst >= 1 when rate > 0. rate 0 admits everything.
  RateLimiter(double rate, double burst, const obs::SteadyClock& clock)
      : rate_(rate), burst_(burst), clock_(clock) {}

  // Whether `key` may make one more request now (and takes a token when it may). A key seen
  // for the first time starts with a full bucket.
  bool Allow(const std::string& key);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_nanos = 0;
  };
  const double rate_;
  const double burst_;
  const obs::SteadyClock& clock_;
  absl::Mutex mu_;
  std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cw::security
