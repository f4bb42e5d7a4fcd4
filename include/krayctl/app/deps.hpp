// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace kray::util {
class Clock;
}  // namespace kray::util

namespace kray::io {
using Clock = util::Clock;
class Console;
class Environment;
class Interrupts;
class FileSystem;
class ProcessRunner;
}  // namespace kray::io

namespace kray::app {

// Everything a use case may touch outside the process, built once in main
// (tests pass fakes). The clock is the only source of time and sleeps
// (io::SystemClock in main, io::FakeClock in tests that drive time).
struct Deps {
  io::FileSystem& fs;
  io::Console& console;
  const io::Environment& env;
  io::ProcessRunner& processes;
  io::Clock& clock;
  // Ctrl-C for the commands that wait (io/interrupts.hpp); null: Ctrl-C
  // keeps its default (the process ends).
  io::Interrupts* interrupts = nullptr;
};

}  // namespace kray::app
