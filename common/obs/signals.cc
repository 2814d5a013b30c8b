#include "common/obs/signals.h"

#include <csignal>
#include <map>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace cw::obs {
namespace {
sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

sigset_t HangupSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

// The SIGHUP callbacks of the process, by subscription id.
struct Hangups {
  absl::Mutex mu;
  std::map<int, std::function<void()>> callbacks ABSL_GUARDED_BY(mu);
  int next_id ABSL_GUARDED_BY(mu) = 0;
  bool thread_started ABSL_GUARDED_BY(mu) = false;
};

Hangups& TheHangups() {
  static auto* hangups = new Hangups;  // never destroyed: the SIGHUP thread outlives main
  return *hangups;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void OnTermination(std::function<void()> callback) {
  std::thread([cb = std::move(callback)] {
    sigset_t set = TerminationSet();
    int sig = 0;
    sigwait(&set, &sig);
    cb();
  }).detach();
}

HangupSubscription::~HangupSubscription() {
  Hangups& h = TheHangups();
  absl::MutexLock lock(&h.mu);
  h.callbacks.erase(id_);
}

std::unique_ptr<HangupSubscription> OnHangup(std::function<void()> callback) {
  Hangups& h = TheHangups();
  absl::MutexLock lock(&h.mu);
  const int id = h.next_id++;
  h.callbacks[id] = std::move(callback);
  if (!h.thread_started) {
    h.thread_started = true;
    std::thread([&h] {
      const sigset_t set = HangupSet();
      while (true) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        absl::MutexLock lock(&h.mu);
        for (auto& [id, cb] : h.callbacks) cb();
      }
    }).detach();
  }
  return std::make_unique<HangupSubscription>(id);
}

}  // namespace cw::obs
