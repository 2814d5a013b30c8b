// The clock boundary: services read time through Clock (wall time, for timestamps and
// expiry dates) and SteadyClock (monotonic, for rates and intervals: it never steps back
// when the wall clock is corrected) so tests can set them. All implementations are
// thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cw::obs {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnixMs() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowUnixMs() const override { return absl::ToUnixMillis(absl::Now()); }
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowUnixMs() const override { return now_.load(); }
  void Set(int64_t ms) { now_.store(ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

// Monotonic time since an arbitrary origin.
class SteadyClock {
 public:
  virtual ~SteadyClock() = default;
  virtual int64_t NowNanos() const = 0;
};

class SystemSteadyClock : public SteadyClock {
 public:
  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class FakeSteadyClock : public SteadyClock {
 public:
  int64_t NowNanos() const override { return now_.load(); }
  void Advance(absl::Duration d) { now_.fetch_add(absl::ToInt64Nanoseconds(d)); }

 private:
  std::atomic<int64_t> now_{1'000'000'000};
};

}  // namespace cw::obs
