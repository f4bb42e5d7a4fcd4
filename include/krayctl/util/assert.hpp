// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace kray::detail {
// Prints `file:line: assertion failed: expr` to stderr and aborts.
[[noreturn]] void assertion_failed(const char* file, int line, const char* expr);
}  // namespace kray::detail

// Checks a programmer's invariant; always enabled. Never use it on user input:
// bad input is an Error or a Diagnostic.
#define KRAY_ASSERT(expr)                                          \
  do {                                                             \
    if (!(expr)) {                                                 \
      ::kray::detail::assertion_failed(__FILE__, __LINE__, #expr); \
    }                                                              \
  } while (false)
