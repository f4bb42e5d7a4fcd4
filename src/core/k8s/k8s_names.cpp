// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/k8s/k8s_names.hpp>

#include <krayctl/util/strings.hpp>

namespace kray::core {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

std::optional<std::string> too_long(std::string_view s, std::size_t max) {
  if (s.size() > max) {
    return "must be no more than " + std::to_string(max) + " characters, got " +
           std::to_string(s.size());
  }
  return std::nullopt;
}

bool dns1123_label_chars(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!is_lower_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// The nearest valid label: lower-cased, other characters as '-'.
std::string suggest_label(std::string_view s) {
  std::string out;
  for (char c : util::to_lower(s)) {
    out += is_lower_alnum(c) ? c : '-';
  }
  const auto first = out.find_first_not_of('-');
  const auto last = out.find_last_not_of('-');
  return first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
}

// Shared by the two label rules: `rule` describes the expected form.
std::optional<std::string> check_label(std::string_view s, bool letter_first, const char* rule) {
  if (auto e = too_long(s, 63)) {
    return e;
  }
  if (dns1123_label_chars(s) && !(letter_first && s.front() >= '0' && s.front() <= '9')) {
    return std::nullopt;
  }
  std::string msg = rule;
  const std::string suggestion = suggest_label(s);
  if (!suggestion.empty() && suggestion != s && dns1123_label_chars(suggestion) &&
      !(letter_first && suggestion.front() >= '0' && suggestion.front() <= '9')) {
    msg += " (try " + util::quote(suggestion) + ")";
  }
  return msg;
}

}  // namespace

std::optional<std::string> check_dns1035_label(std::string_view s) {
  return check_label(s, true,
                     "must be a DNS-1035 label: lower-case letters, digits and '-', starting with "
                     "a letter and ending with a letter or digit");
}

std::optional<std::string> check_dns1123_label(std::string_view s) {
  return check_label(s, false,
                     "must be a DNS-1123 label: lower-case letters, digits and '-', starting and "
                     "ending with a letter or digit");
}

std::optional<std::string> check_dns1123_subdomain(std::string_view s) {
  if (auto e = too_long(s, 253)) {
    return e;
  }
  for (const auto& part : util::split(s, '.')) {
    if (!dns1123_label_chars(part)) {
      return std::string(
          "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and "
          "ending with a letter or digit");
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_label_value(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  if (auto e = too_long(s, 63)) {
    return e;
  }
  if (!is_alnum(s.front()) || !is_alnum(s.back())) {
    return std::string("must start and end with a letter or digit");
  }
  for (char c : s) {
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
      return std::string("may contain only letters, digits, '-', '_' and '.'");
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_qualified_name(std::string_view s) {
  auto slash = s.find('/');
  std::string_view name = s;
  if (slash != std::string_view::npos) {
    std::string_view prefix = s.substr(0, slash);
    name = s.substr(slash + 1);
    if (prefix.empty()) {
      return std::string("has an empty prefix before '/'");
    }
    if (auto e = check_dns1123_subdomain(prefix)) {
      return "prefix " + util::quote(prefix) + " " + *e;
    }
  }
  if (name.empty()) {
    return std::string("must have a name after the prefix");
  }
  if (auto e = check_label_value(name)) {
    return "name part " + util::quote(name) + " " + *e;
  }
  return std::nullopt;
}

std::optional<std::string> check_env_name(std::string_view s) {
  if (s.empty()) {
    return std::string("must not be empty");
  }
  auto ok_first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
  };
  if (!ok_first(s.front())) {
    return std::string("must start with a letter, '_', '-' or '.'");
  }
  for (char c : s) {
    if (!ok_first(c) && !(c >= '0' && c <= '9')) {
      return std::string("may contain only letters, digits, '_', '-' and '.'");
    }
  }
  return std::nullopt;
}

}  // namespace kray::core
