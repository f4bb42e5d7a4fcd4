// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace kray::io {
class Console;
class Environment;
class FileSystem;
class ProcessRunner;
}  // namespace kray::io

namespace kray::app {

// Everything a use case may touch outside the process, built once in main
// (tests pass fakes). Later issues add Clock, ProcessRunner and Transport.
struct Deps {
  io::FileSystem& fs;
  io::Console& console;
  const io::Environment& env;
  io::ProcessRunner& processes;
};

}  // namespace kray::app
