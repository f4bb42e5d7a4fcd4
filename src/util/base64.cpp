// SPDX-License-Identifier: Apache-2.0
#include <krayctl/util/base64.hpp>

#include <array>
#include <cstdint>

namespace kray::util {

namespace {

constexpr std::string_view k_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int value_of(char c) {
  const auto pos = k_alphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t n =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
        static_cast<unsigned char>(bytes[i + 2]);
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += k_alphabet[(n >> 6) & 63];
    out += k_alphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) {
      n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    }
    out += k_alphabet[(n >> 18) & 63];
    out += k_alphabet[(n >> 12) & 63];
    out += rest == 2 ? k_alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, std::size_t* bad_offset) {
  std::string out;
  std::array<int, 4> quad{};
  std::size_t filled = 0;
  std::size_t padding = 0;
  auto fail = [&](std::size_t at) -> std::optional<std::string> {
    if (bad_offset != nullptr) {
      *bad_offset = at;
    }
    return std::nullopt;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      continue;
    }
    if (c == '=') {
      if (filled < 2) {
        return fail(i);
      }
      ++padding;
      quad[filled++] = 0;
    } else {
      const int v = value_of(c);
      if (v < 0 || padding > 0) {
        return fail(i);
      }
      quad[filled++] = v;
    }
    if (filled == 4) {
      const std::uint32_t n = (static_cast<std::uint32_t>(quad[0]) << 18) |
                              (static_cast<std::uint32_t>(quad[1]) << 12) |
                              (static_cast<std::uint32_t>(quad[2]) << 6) |
                              static_cast<std::uint32_t>(quad[3]);
      out += static_cast<char>((n >> 16) & 0xFF);
      if (padding < 2) {
        out += static_cast<char>((n >> 8) & 0xFF);
      }
      if (padding < 1) {
        out += static_cast<char>(n & 0xFF);
      }
      filled = 0;
      if (padding > 0) {
        // Only newlines may follow the padding.
        for (std::size_t j = i + 1; j < text.size(); ++j) {
          if (text[j] != '\r' && text[j] != '\n') {
            return fail(j);
          }
        }
        return out;
      }
    }
  }
  if (filled != 0) {
    return fail(text.size());
  }
  return out;
}

}  // namespace kray::util
