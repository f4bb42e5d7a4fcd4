// SPDX-License-Identifier: Apache-2.0
#pragma once
// Characters that must never reach a terminal raw. Object names, Status
// messages, Events, Warning headers, plugin output and file contents are
// written by other people: a raw ESC can retitle the window (OSC 0), clear
// the screen (CSI 2J), hide a hyperlink (OSC 8); a carriage return can
// overwrite what was printed; bidirectional overrides can make text read
// differently from what it is (CVE-2021-42574, "Trojan Source").

#include <cstddef>
#include <string>
#include <string_view>

namespace kray::util {

// The character that starts at s[i]: its `length` in bytes (1 for an
// invalid byte), its code point (the byte, when invalid), whether it is
// invalid UTF-8, and whether it must be escaped (`unsafe`, below).
struct UnsafeChar {
  std::size_t length = 1;
  char32_t code = 0;
  bool invalid = false;
  bool unsafe = false;
};

// C0 controls but tab and newline, DEL, C1 controls (U+0080..U+009F),
// invalid UTF-8 (a lone 0x9B byte is CSI to some terminals), and the
// invisible format characters that reorder or hide text: the bidi
// embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F,
// U+202A..U+202E, U+2066..U+2069), zero-width space and word joiners
// (U+200B, U+2060..U+2064), deprecated format controls (U+206A..U+206F),
// line and paragraph separators (U+2028, U+2029), the BOM (U+FEFF) and the
// interlinear annotation controls (U+FFF9..U+FFFB). The joiners U+200C and
// U+200D are kept: scripts and emoji need them, and they reorder nothing.
UnsafeChar char_at(std::string_view s, std::size_t i);

// `s` with every unsafe character written visibly: code points as `\uXXXX`
// (valid inside JSON and double-quoted YAML strings too), invalid bytes as
// `\xHH`. Tab and newline are kept.
std::string escape_for_terminal(std::string_view s);

}  // namespace kray::util
