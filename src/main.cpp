// SPDX-License-Identifier: Apache-2.0
// krayctl: the executable is the libraries plus this main().
#include <krayctl/cli/cli.hpp>
#include <krayctl/cli/exit_codes.hpp>
#include <krayctl/io/clock.hpp>
#include <krayctl/io/console.hpp>
#include <krayctl/io/environment.hpp>
#include <krayctl/io/file_system.hpp>
#include <krayctl/io/interrupts.hpp>
#include <krayctl/io/process.hpp>

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) {
  try {
    kray::io::RealFileSystem fs;
    kray::io::RealConsole console;
    kray::io::RealEnvironment env;
    kray::io::RealProcessRunner processes;
    kray::io::RealInterrupts interrupts;
    const kray::app::Deps deps{fs, console, env, processes, kray::io::system_clock(), &interrupts};
    return kray::cli::run(argc, argv, deps);
  } catch (const std::exception& e) {
    // Last resort: krayctl's own code returns errors as values.
    // Its text may quote what a server sent: escaped as Console escapes.
    const std::string what = kray::io::terminal_safe(e.what(), false);
    std::fprintf(stderr, "krayctl: internal error: %s\n", what.c_str());
    return kray::cli::k_exit_internal;
  }
}
