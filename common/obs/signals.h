// Signals without work in a signal handler: BlockTerminationSignals() is called first thing
// in main (so every thread inherits the mask); OnTermination() starts a thread that
// sigwait()s for SIGTERM/SIGINT and then runs the callback once; OnHangup() runs callbacks
// on every SIGHUP (reload configuration), from one thread for the whole process.
// A process that blocks the signals and registers no OnHangup callback ignores SIGHUP.
#pragma once

#include <functional>
#include <memory>

namespace cw::obs {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and the threads it starts).
void BlockTerminationSignals();
void OnTermination(std::function<void()> callback);

// While the returned subscription lives, `callback` runs on every SIGHUP sent to the
// process. Callbacks run one at a time on the SIGHUP thread; destroying the subscription
// waits for a running callback, after which it never runs again. REQUIRES:
// BlockTerminationSignals() was called before any thread started (else SIGHUP's default
// action ends the process); a callback does not call OnHangup or destroy a subscription.
class HangupSubscription {
 public:
  explicit HangupSubscription(int id) : id_(id) {}
  ~HangupSubscription();
  HangupSubscription(const HangupSubscription&) = delete;
  HangupSubscription& operator=(const HangupSubscription&) = delete;

 private:
  int id_;
};
std::unique_ptr<HangupSubscription> OnHangup(std::function<void()> callback);

}  // namespace cw::obs
