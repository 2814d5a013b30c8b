#include "common/obs/signals.h"

#include <csignal>
#include <thread>

namespace cw::obs {
namespace {
sigset_t TerminationSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSet();
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

}  // namespace cw::obs
