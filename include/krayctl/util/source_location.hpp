// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace kray {

// A position in a user's input. `line` and `column` are 1-based, as editors
// and compilers print them (yaml-cpp's `Mark` is 0-based: convert once, at
// the edge). `file` is the name as the user gave it, or a pseudo-name such
// as `<stdin>` or `--set`.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  // Returns `file:line:col`, or just `file` when the line is unknown.
  std::string to_string() const;

  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

}  // namespace kray
