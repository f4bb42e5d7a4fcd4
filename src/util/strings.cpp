// SPDX-License-Identifier: Apache-2.0
#include <krayctl/util/strings.hpp>

#include <krayctl/util/edit_distance.hpp>

namespace kray::util {

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      out += sep;
    }
    out += parts[i];
  }
  return out;
}

std::string_view trim(std::string_view s) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

std::string quote(std::string_view s) {
  std::string out = "'";
  out += s;
  out += "'";
  return out;
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // A typo is at most a third of the word's letters, and at least one; the
  // lower-cased comparison catches case slips ("GPUs") at distance 0.
  const std::size_t max_distance = std::max<std::size_t>(1, word.size() / 3);
  const std::string lower_word = to_lower(word);
  // Ties go to a candidate that extends or shortens the word ("gpu" ->
  // "gpus", not "cpu"), then to one with the same first letter.
  auto rank = [&](const std::string& c, std::size_t distance) {
    const std::string lower = to_lower(c);
    const bool prefix = lower.rfind(lower_word, 0) == 0 || lower_word.rfind(lower, 0) == 0;
    const bool same_first = !lower.empty() && !lower_word.empty() && lower[0] == lower_word[0];
    return distance * 4 + (prefix ? 0 : 2) + (same_first ? 0 : 1);
  };
  std::string best;
  std::size_t best_rank = SIZE_MAX;
  for (const auto& c : candidates) {
    const auto d = edit_distance(lower_word, to_lower(c), max_distance);
    if (d > max_distance) {
      continue;
    }
    if (const auto r = rank(c, d); r < best_rank) {
      best_rank = r;
      best = c;
    }
  }
  return best;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') ? '?' : c;
    }
  }
  return out;
}

std::string github_escape(std::string_view s, bool property) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      case ':':
        out += property ? "%3A" : ":";
        break;
      case ',':
        out += property ? "%2C" : ",";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace kray::util
