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

std::string closest_match(std::string_view word,
                          const std::vector<std::string>& candidates) {
  // A typo is at most a third of the word's letters, and at least one; the
  // lower-cased comparison catches case slips ("GPUs") at distance 0.
  const std::size_t max_distance = std::max<std::size_t>(1, word.size() / 3);
  const std::string lower_word = to_lower(word);
  std::string best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& c : candidates) {
    auto d = edit_distance(lower_word, to_lower(c), max_distance);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace kray::util
