// SPDX-License-Identifier: Apache-2.0
#include <krayctl/util/terminal_text.hpp>

#include <cstdio>

namespace kray::util {
namespace {

bool is_format_char(char32_t c) {
  return c == 0x061C || c == 0x200B || c == 0x200E || c == 0x200F || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
         (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB);
}

// Decodes one UTF-8 sequence at s[i]: its length and code point, or length
// 0 when it is not valid (overlong forms and surrogates included).
std::size_t decode(std::string_view s, std::size_t i, char32_t& code) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  char32_t min = 0;
  if (b0 < 0x80) {
    code = b0;
    return 1;
  }
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, code = b0 & 0x1Fu, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, code = b0 & 0x0Fu, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, code = b0 & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return 0;
    }
    code = (code << 6) | (b & 0x3Fu);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

UnsafeChar char_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    const bool unsafe = (b0 < 0x20 && b0 != '\n' && b0 != '\t') || b0 == 0x7F;  // C0, DEL
    return {1, b0, false, unsafe};
  }
  char32_t code = 0;
  const std::size_t n = decode(s, i, code);
  if (n == 0) {
    return {1, b0, true, true};
  }
  return {n, code, false, (code >= 0x80 && code <= 0x9F) || is_format_char(code)};
}

std::string escape_for_terminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const UnsafeChar c = char_at(s, i);
    if (!c.unsafe) {
      out.append(s.substr(i, c.length));
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, c.invalid ? "\\x%02X" : "\\u%04X",
                    static_cast<unsigned>(c.code));
      out += buf;
    }
    i += c.length;
  }
  return out;
}

}  // namespace kray::util
