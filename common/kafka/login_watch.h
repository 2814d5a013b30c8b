// When to stop retrying a Kafka login the broker refuses.
//
// librdkafka treats a refused SASL login or TLS handshake as transient and retries it for
// ever, reporting the refusal once (identical errors are suppressed afterwards), so a
// service with a wrong password would run without ever serving, and nothing outside its
// log would say why. A refusal that persists is a configuration error: the client ends the
// process (rdkafka.cc) so that the orchestrator shows the failure.
//
// LoginWatch is that decision, without the clock or the broker: a refusal starts a period
// of `give_up_after`; anything read or delivered meanwhile ends it. When the period is
// over, the client probes the broker (a metadata request): if the probe succeeds, the login
// works again and the watch is clear; if it fails and the last error seen was a refusal, the
// client gives up; if the last error was something else (the broker is down, say), that is
// not a configuration error and the watch waits another period.
#pragma once

#include <mutex>

#include "absl/time/time.h"

namespace cw::kafka {

class LoginWatch {
 public:
  // give_up_after <= 0: never give up (librdkafka's own behaviour).
  explicit LoginWatch(absl::Duration give_up_after) : give_up_after_(give_up_after) {}

  // The broker refused the login at `now`.
  void Refused(absl::Time now);
  // Another error (not a refusal), e.g. a broker that cannot be reached.
  void OtherError();
  // Something was read or delivered: the login works.
  void Succeeded();
  // When the current period ends (InfiniteFuture when there is none).
  absl::Time Deadline();
  // At the deadline, with the probe's outcome: true to give up. Otherwise the watch is
  // clear (probe succeeded) or a new period starts at `now` (the last error was no
  // refusal).
  bool Decide(absl::Time now, bool probe_succeeded);
  // How long the current period has lasted at `now` (zero when there is none).
  absl::Duration RefusingFor(absl::Time now);

 private:
  const absl::Duration give_up_after_;
  std::mutex mu_;  // errors come from librdkafka's threads, successes from the caller's
  absl::Time since_ = absl::InfiniteFuture();  // start of the current period
  bool last_was_refusal_ = false;
};

}  // namespace cw::kafka
