// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/k8s/quantity.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kray::core {
namespace {

struct Suffix {
  std::string_view name;
  double factor;
};

constexpr Suffix k_suffixes[] = {
    {"Ki", 1024.0},
    {"Mi", 1024.0 * 1024},
    {"Gi", 1024.0 * 1024 * 1024},
    {"Ti", 1024.0 * 1024 * 1024 * 1024},
    {"Pi", 1024.0 * 1024 * 1024 * 1024 * 1024},
    {"Ei", 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024},
    {"n", 1e-9},
    {"u", 1e-6},
    {"m", 1e-3},
    {"", 1},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
    {"P", 1e15},
    {"E", 1e18},
};

// Returns the length of the number prefix of `s` ([+-] digits [. digits]),
// or 0 when there is none.
std::size_t number_prefix(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
  }
  std::size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    ++i;
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
      ++digits;
    }
  }
  return digits == 0 ? 0 : i;
}

double to_double(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
  }
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string bad(std::string_view text, std::string_view why) {
  return "invalid quantity '" + std::string(text) + "': " + std::string(why);
}

}  // namespace

Result<Quantity> parse_quantity(std::string_view text) {
  const std::size_t n = number_prefix(text);
  if (n == 0) {
    return make_error(
        ErrorCode::invalid_spec,
        bad(text, "expected a number with an optional suffix, such as 500m, 8, 32Gi"));
  }
  const std::string_view number = text.substr(0, n);
  const std::string_view suffix = text.substr(n);
  const double base = to_double(number);
  for (const auto& s : k_suffixes) {
    if (suffix == s.name) {
      return Quantity{std::string(text), base * s.factor};
    }
  }
  if (!suffix.empty() && (suffix[0] == 'e' || suffix[0] == 'E')) {
    const std::string_view exponent = suffix.substr(1);
    const std::size_t en = number_prefix(exponent);
    if (en != 0 && en == exponent.size()) {
      return Quantity{std::string(text), base * std::pow(10.0, to_double(exponent))};
    }
  }
  // Near misses: byte units written the way other tools write them.
  if (suffix.size() == 2 && (suffix[1] == 'b' || suffix[1] == 'B') &&
      std::string_view("KkMGTPE").find(suffix[0]) != std::string_view::npos) {
    const char unit = suffix[0] == 'k' ? 'K' : suffix[0];
    return make_error(
        ErrorCode::invalid_spec,
        bad(text, "unknown suffix '" + std::string(suffix) + "'; did you mean '" +
                      std::string(number) + unit + "i' (binary, 1024-based) or '" +
                      std::string(number) + (unit == 'K' ? 'k' : unit) + "' (decimal)?"));
  }
  if (suffix.size() == 3 && suffix[1] == 'i' && (suffix[2] == 'B' || suffix[2] == 'b')) {
    return make_error(ErrorCode::invalid_spec,
                      bad(text, "unknown suffix '" + std::string(suffix) + "'; did you mean '" +
                                    std::string(number) + std::string(suffix.substr(0, 2)) + "'?"));
  }
  return make_error(ErrorCode::invalid_spec,
                    bad(text, "unknown suffix '" + std::string(suffix) +
                                  "' (use Ki, Mi, Gi, Ti for bytes, m for milli, or none)"));
}

Result<Quantity> parse_quantity_value(const Json& value) {
  if (value.is_number_integer()) {
    return Quantity{value.dump(), value.get<double>()};
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) {
      return Quantity{std::to_string(static_cast<std::int64_t>(d)), d};
    }
    return parse_quantity(value.dump());
  }
  if (value.is_string()) {
    return parse_quantity(value.get_ref<const std::string&>());
  }
  return make_error(ErrorCode::invalid_spec,
                    "expected a quantity such as 8, 500m or 32Gi, got " + json_type_name(value));
}

Result<std::int64_t> parse_duration_seconds(const Json& value) {
  const std::string hint = "expected seconds (60) or a duration such as 60s, 5m, 1h30m";
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX) {
    return make_error(ErrorCode::invalid_spec, "duration '" + value.dump() + "' is too long");
  }
  if (value.is_number_integer()) {
    const auto v = value.get<std::int64_t>();
    if (v < 0) {
      return make_error(ErrorCode::invalid_spec,
                        "duration must not be negative, got '" + value.dump() + "'");
    }
    return v;
  }
  if (!value.is_string()) {
    return make_error(ErrorCode::invalid_spec, hint + ", got " + json_type_name(value));
  }
  const std::string& text = value.get_ref<const std::string&>();
  std::string_view s = text;
  auto invalid = [&] {
    return make_error(ErrorCode::invalid_spec, "invalid duration '" + text + "': " + hint);
  };
  if (s.empty()) {
    return invalid();
  }
  if (s[0] == '-') {
    return make_error(ErrorCode::invalid_spec, "duration must not be negative, got '" + text + "'");
  }
  if (s[0] == '+') {
    s.remove_prefix(1);
  }
  if (s == "0") {
    return 0;
  }
  // Go's time.ParseDuration units.
  static constexpr Suffix k_units[] = {{"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3},
                                       {"s", 1},     {"m", 60},    {"h", 3600}};
  double total = 0;
  while (!s.empty()) {
    std::size_t n = number_prefix(s);
    if (n == 0 || s[0] == '+' || s[0] == '-') {
      return invalid();
    }
    const double amount = to_double(s.substr(0, n));
    s.remove_prefix(n);
    const Suffix* unit = nullptr;
    for (const auto& u : k_units) {
      // Longest match first: "ms" before "m".
      if (s.substr(0, u.name.size()) == u.name &&
          (unit == nullptr || u.name.size() > unit->name.size())) {
        unit = &u;
      }
    }
    if (unit == nullptr) {
      return invalid();
    }
    s.remove_prefix(unit->name.size());
    total += amount * unit->factor;
  }
  if (total > 1e15) {  // about 31 million years; also keeps the cast below defined
    return make_error(ErrorCode::invalid_spec, "duration '" + text + "' is too long");
  }
  const double rounded = std::round(total);
  if (std::fabs(total - rounded) > 1e-9) {
    return make_error(ErrorCode::invalid_spec,
                      "duration '" + text + "' is not a whole number of seconds");
  }
  return static_cast<std::int64_t>(rounded);
}

namespace {

// ((digits(.digits*)?)|(.digits+)) at `i`; advances `i` past it.
bool match_decimal(std::string_view s, std::size_t& i) {
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    return i - start;
  };
  if (i < s.size() && s[i] == '.') {
    ++i;
    return digits() > 0;
  }
  if (digits() == 0) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    digits();
  }
  return true;
}

}  // namespace

bool matches_quantity_pattern(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
  }
  if (!match_decimal(s, i)) {
    return false;
  }
  if (i == s.size()) {
    return true;
  }
  const std::string_view rest = s.substr(i);
  if (rest.size() == 2 && rest[1] == 'i' &&
      std::string_view("KMGTPE").find(rest[0]) != std::string_view::npos) {
    return true;
  }
  if (rest.size() == 1 && std::string_view("numkMGTPE").find(rest[0]) != std::string_view::npos) {
    return true;
  }
  if (rest[0] != 'e' && rest[0] != 'E') {
    return false;
  }
  ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
  }
  return match_decimal(s, i) && i == s.size();
}

std::optional<double> parse_go_duration(std::string_view text) {
  double sign = 1;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    sign = text.front() == '-' ? -1 : 1;
    text.remove_prefix(1);
  }
  if (text == "0") {
    return 0.0;
  }
  if (text.empty()) {
    return std::nullopt;
  }
  struct Unit {
    std::string_view name;
    double seconds;
  };
  // Longest names first: "ms" before "m".
  static constexpr Unit k_units[] = {{"ns", 1e-9},      {"us", 1e-6}, {"\u00b5s", 1e-6},
                                     {"\u03bcs", 1e-6}, {"ms", 1e-3}, {"s", 1},
                                     {"m", 60},         {"h", 3600}};
  double total = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    std::size_t digits = 0;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) {
      digits += text[i] != '.' ? 1U : 0U;
      ++i;
    }
    if (digits == 0 || std::count(text.begin(), text.begin() + static_cast<long>(i), '.') > 1) {
      return std::nullopt;
    }
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + i, number);
    if (ec != std::errc() || end != text.data() + i) {
      return std::nullopt;  // out of range, or "1." forms from_chars reads short
    }
    text.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const auto& u : k_units) {
      if (text.substr(0, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return std::nullopt;
    }
    total += number * unit->seconds;
    text.remove_prefix(unit->name.size());
  }
  return sign * total;
}

}  // namespace kray::core
