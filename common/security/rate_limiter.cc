#include "common/security/rate_limiter.h"

#include <algorithm>

namespace cw::security {

bool RateLimiter::Allow(const std::string& key) {
  if (rate_ <= 0) return true;
  const int64_t now = clock_.NowNanos();
  absl::MutexLock lock(&mu_);
  auto [it, fresh] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst_;
  } else if (now > b.last_nanos) {  // steady: never earlier, but equal is possible
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.last_nanos) * 1e-9 * rate_);
  }
  b.last_nanos = std::max(b.last_nanos, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace cw::security
