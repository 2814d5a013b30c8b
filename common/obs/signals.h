// Orderly shutdown on SIGTERM/SIGINT without work in a signal handler: BlockSignals() is
// called first thing in main (so every thread inherits the mask); OnTermination() starts
// a thread that sigwait()s and then runs the callback once.
#pragma once

#include <functional>

namespace cw::obs {

void BlockTerminationSignals();
void OnTermination(std::function<void()> callback);

}  // namespace cw::obs
