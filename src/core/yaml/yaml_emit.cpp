// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/yaml_emit.hpp>

#include <krayctl/core/yaml/document.hpp>
#include <krayctl/util/strings.hpp>

#include <krayctl/util/terminal_text.hpp>

#include <fmt/format.h>

namespace kray::core {
namespace {

bool is_reserved_word(std::string_view s) {
  // YAML 1.1 booleans and nulls, compared case-insensitively so that no
  // spelling (oN, yEs) depends on which reader is used.
  static constexpr std::string_view k_words[] = {"y",   "n",    "yes",   "no",   "on",
                                                 "off", "true", "false", "null", "~"};
  const std::string lower = util::to_lower(s);
  for (auto w : k_words) {
    if (lower == w) {
      return true;
    }
  }
  return false;
}

// "32Gi", "500m", "10s": digits, an optional fraction, then letters only.
// No YAML reader takes these for numbers, except hexadecimal ("0xff"),
// which the resolver catches.
bool is_number_with_unit(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    return i > start;
  };
  if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) {
      return false;
    }
  }
  const std::size_t letters = i;
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) {
    ++i;
  }
  if (i == letters || i != s.size()) {
    return false;
  }
  auto resolved = resolve_plain_scalar(s);
  return resolved && resolved->is_string();
}

bool has_special_unicode(std::string_view s) {
  // U+0085 (NEL), U+2028, U+2029 are line breaks to YAML 1.1; U+FEFF is a
  // BOM; the other C1 controls and the bidi and invisible format
  // characters are escaped too, so that no terminal shows them raw and the
  // text reads as what it is (util/terminal_text.hpp).
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      continue;
    }
    const util::UnsafeChar u = util::char_at(s, i);
    if (u.unsafe && !u.invalid) {
      return true;
    }
  }
  return false;
}

bool has_control_char(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return true;
    }
  }
  return false;
}

std::string double_quoted(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    switch (s[i]) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\r':
        out += "\\r";
        continue;
      default:
        break;
    }
    if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else if (const util::UnsafeChar bad = u >= 0x80 ? util::char_at(s, i) : util::UnsafeChar{};
               bad.unsafe && !bad.invalid) {
      // Not \N: yaml-cpp decodes that to a bare 0x85 byte.
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(bad.code));
      i += bad.length - 1;
    } else {
      out += s[i];
    }
  }
  out += '"';
  return out;
}

// A literal block keeps the text exactly when no line needs an escape and
// the first line does not start with a space (that would need an
// indentation indicator, which some readers mishandle).
bool is_block_safe(std::string_view s) {
  if (s.find('\n') == std::string_view::npos || s.front() == ' ' || s.front() == '\n' ||
      s.front() == '\t' || has_special_unicode(s)) {
    return false;
  }
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) {
      return false;
    }
  }
  return true;
}

class Emitter {
 public:
  std::string take() { return std::move(m_out); }

  // Writes `value` as the value of a mapping key or list item whose line
  // has already been started; `indent` is the indentation of that key.
  void value(const Json& v, int indent) {
    if (v.is_object() && !v.empty()) {
      m_out += '\n';
      mapping(v, indent + 2);
    } else if (v.is_array() && !v.empty()) {
      m_out += '\n';
      sequence(v, indent + 2);
    } else {
      m_out += ' ';
      scalar(v, indent);
      m_out += '\n';
    }
  }

  void mapping(const Json& v, int indent, bool first_inline = false) {
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!(first && first_inline)) {
        pad(indent);
      }
      first = false;
      m_out += key(it.key());
      m_out += ':';
      value(it.value(), indent);
    }
  }

  void sequence(const Json& v, int indent) {
    for (const auto& item : v) {
      pad(indent);
      m_out += '-';
      if (item.is_object() && !item.empty()) {
        m_out += ' ';
        mapping(item, indent + 2, /*first_inline=*/true);
      } else if (item.is_array() && !item.empty()) {
        m_out += '\n';
        sequence(item, indent + 2);
      } else {
        m_out += ' ';
        scalar(item, indent);
        m_out += '\n';
      }
    }
  }

  void top(const Json& v) {
    if (v.is_object() && !v.empty()) {
      mapping(v, 0);
    } else if (v.is_array() && !v.empty()) {
      sequence(v, 0);
    } else {
      scalar(v, 0);
      m_out += '\n';
    }
  }

 private:
  void pad(int n) { m_out.append(static_cast<std::size_t>(n), ' '); }

  static std::string key(const std::string& k) { return is_plain_safe(k) ? k : double_quoted(k); }

  // `indent` is the indentation of the owning key; block content goes 2 deeper.
  void scalar(const Json& v, int indent) {
    switch (v.type()) {
      case Json::value_t::null:
        m_out += "null";
        return;
      case Json::value_t::object:
        m_out += "{}";
        return;
      case Json::value_t::array:
        m_out += "[]";
        return;
      case Json::value_t::string:
        string(v.get_ref<const std::string&>(), indent);
        return;
      default:
        m_out += v.dump();
        return;
    }
  }

  void string(const std::string& s, int indent) {
    if (is_plain_safe(s)) {
      m_out += s;
      return;
    }
    if (!is_block_safe(s)) {
      m_out += double_quoted(s);
      return;
    }
    std::size_t trailing = 0;
    while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') {
      ++trailing;
    }
    m_out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
    std::string_view body(s);
    body.remove_suffix(trailing);
    for (const auto& line : util::split(body, '\n')) {
      m_out += '\n';
      if (!line.empty()) {
        pad(indent + 2);
        m_out += line;
      }
    }
    // The trailing newlines beyond the first are kept by `|+` as empty lines.
    for (std::size_t i = 1; i < trailing; ++i) {
      m_out += '\n';
    }
    // The caller adds the final newline.
  }

  std::string m_out;
};

}  // namespace

bool is_plain_safe(std::string_view s) {
  if (s.empty() || is_reserved_word(s) || s == "<<" || s == "=") {
    return false;
  }
  const char first = s.front();
  // Indicators that start something else; digits, signs and dots could read
  // as numbers, octal, sexagesimal or timestamps in some reader: quote them.
  static constexpr std::string_view k_leading = "-?:,[]{}#&*!|>'\"%@`+. ";
  if (k_leading.find(first) != std::string_view::npos) {
    return false;
  }
  if (first >= '0' && first <= '9' && !is_number_with_unit(s)) {
    return false;
  }
  if (s.back() == ' ' || s.back() == ':' || has_control_char(s) || has_special_unicode(s)) {
    return false;
  }
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return false;
  }
  return true;
}

std::string emit_yaml(const Json& doc) {
  Emitter e;
  e.top(doc);
  return e.take();
}

std::string emit_yaml_stream(const std::vector<Json>& docs) {
  std::string out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) {
      out += "---\n";
    }
    out += emit_yaml(docs[i]);
  }
  return out;
}

}  // namespace kray::core
