// SPDX-License-Identifier: Apache-2.0
#include "quantity.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

namespace fakekube {

const char* const k_quantity_regex =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

namespace {

const i128 k_limit = static_cast<i128>(1000000000000000000LL) * 1000000000000000000LL;  // 1e36

i128 pow10(int e) {
  i128 r = 1;
  for (int i = 0; i < e; ++i) {
    r *= 10;
  }
  return r;
}

std::string i128_string(i128 v) {
  if (v == 0) {
    return "0";
  }
  const bool neg = v < 0;
  if (neg) {
    v = -v;
  }
  std::string out;
  while (v > 0) {
    out += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  if (neg) {
    out += '-';
  }
  std::reverse(out.begin(), out.end());
  return out;
}

i128 ceil_div(i128 v, i128 d) {
  return v / d + (v % d > 0 ? 1 : 0);
}

}  // namespace

Result<Quantity> parse_quantity(std::string s) {
  auto bad = [](const std::string& m) {
    return tl::unexpected(ApiError{400, "BadRequest", m, Json::object()});
  };
  // Trim, as UnmarshalJSON does.
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.erase(s.begin());
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.pop_back();
  }
  std::size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    negative = s[pos] == '-';
    ++pos;
  }
  const std::size_t num_start = pos;
  while (pos < s.size() && (std::isdigit(static_cast<unsigned char>(s[pos])) || s[pos] == '.')) {
    ++pos;
  }
  const std::string number = s.substr(num_start, pos - num_start);
  const std::string suffix = s.substr(pos);
  // The suffix part of the regex: [eEinumkKMGTP]*[-+]?[0-9]*
  std::size_t j = 0;
  while (j < suffix.size() &&
         std::string_view("eEinumkKMGTP").find(suffix[j]) != std::string::npos) {
    ++j;
  }
  if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) {
    ++j;
  }
  while (j < suffix.size() && std::isdigit(static_cast<unsigned char>(suffix[j]))) {
    ++j;
  }
  if (number.empty() || j != suffix.size()) {
    return bad(k_quantity_regex);
  }
  const auto dot = number.find('.');
  const std::string whole = number.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : number.substr(dot + 1);
  if (frac.find('.') != std::string::npos || (whole.empty() && frac.empty())) {
    return bad("unable to parse numeric part of quantity");
  }
  // The multiplier: 10^dec_exp * 1024^bin_exp.
  int dec_exp = 0;
  int bin_exp = 0;
  QFormat format = QFormat::decimal_si;
  static const std::map<std::string, int> decimal = {{"", 0},   {"n", -9}, {"u", -6}, {"m", -3},
                                                     {"k", 3},  {"M", 6},  {"G", 9},  {"T", 12},
                                                     {"P", 15}, {"E", 18}};
  static const std::map<std::string, int> binary = {{"Ki", 1}, {"Mi", 2}, {"Gi", 3},
                                                    {"Ti", 4}, {"Pi", 5}, {"Ei", 6}};
  if (auto d = decimal.find(suffix); d != decimal.end()) {
    dec_exp = d->second;
  } else if (auto b = binary.find(suffix); b != binary.end()) {
    bin_exp = b->second;
    format = QFormat::binary_si;
  } else if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::size_t k = 1;
    bool neg_exp = false;
    if (suffix[k] == '+' || suffix[k] == '-') {
      neg_exp = suffix[k] == '-';
      ++k;
    }
    if (k >= suffix.size() || suffix.size() - k > 3 ||
        !std::all_of(suffix.begin() + static_cast<long>(k), suffix.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
      return bad("unable to parse quantity's suffix");
    }
    dec_exp = std::stoi(suffix.substr(k)) * (neg_exp ? -1 : 1);
    format = QFormat::decimal_exponent;
  } else {
    return bad("unable to parse quantity's suffix");
  }
  // digits * 10^(dec_exp - frac.size()) * 1024^bin_exp, in nanos.
  std::string digits = whole + frac;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  int exp10 = dec_exp - static_cast<int>(frac.size()) + 9;  // nanos
  i128 mant = 0;
  for (char c : digits) {
    if (mant > k_limit / 10) {
      return bad("quantity is too large");  // beyond what fakekube represents
    }
    mant = mant * 10 + (c - '0');
  }
  for (int i = 0; i < bin_exp; ++i) {
    if (mant > k_limit / 1024) {
      return bad("quantity is too large");
    }
    mant *= 1024;
  }
  i128 nanos = 0;
  if (exp10 >= 0) {
    for (int i = 0; i < exp10; ++i) {
      if (mant > k_limit / 10) {
        return bad("quantity is too large");
      }
      mant *= 10;
    }
    nanos = mant;
  } else if (-exp10 > 36) {
    nanos = mant == 0 ? 0 : 1;  // rounded up to the smallest unit
  } else {
    const i128 div = pow10(-exp10);
    nanos = mant / div + (mant % div != 0 ? 1 : 0);  // rounded up
  }
  return Quantity{negative ? -nanos : nanos, format};
}

// Quantity.String(): CanonicalizeBytes.
std::string canonical(const Quantity& q) {
  if (q.nanos == 0) {
    return "0";
  }
  const i128 abs = q.nanos < 0 ? -q.nanos : q.nanos;
  const i128 one = 1000000000;
  if (q.format == QFormat::binary_si && abs >= 1024 * one && abs % one == 0) {
    i128 v = q.nanos / one;
    int k = 0;
    while (k < 6 && v % 1024 == 0) {
      v /= 1024;
      ++k;
    }
    static const char* const suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return i128_string(v) + suffixes[k];
  }
  // Decimal: the largest exponent (a multiple of 3, from -9) that keeps an
  // integer mantissa.
  i128 m = q.nanos;
  int e = -9;
  while (m % 1000 == 0) {
    m /= 1000;
    e += 3;
  }
  if (q.format == QFormat::decimal_exponent) {
    return i128_string(m) + (e == 0 ? "" : "e" + std::to_string(e));
  }
  static const std::map<int, std::string> si = {{-9, "n"}, {-6, "u"}, {-3, "m"}, {0, ""},
                                                {3, "k"},  {6, "M"},  {9, "G"},  {12, "T"},
                                                {15, "P"}, {18, "E"}};
  while (e > 18) {
    m *= 1000;
    e -= 3;
  }
  return i128_string(m) + si.at(e);
}

Result<Quantity> quantity_of(const Json& v) {
  if (v.is_string()) {
    return parse_quantity(v.get<std::string>());
  }
  if (v.is_number()) {
    return parse_quantity(v.dump());
  }
  return tl::unexpected(ApiError{400, "BadRequest", k_quantity_regex, Json::object()});
}

long long quantity_value(const Quantity& q) {
  return static_cast<long long>(ceil_div(q.nanos, 1000000000));
}

long long quantity_milli(const Quantity& q) {
  return static_cast<long long>(ceil_div(q.nanos, 1000000));
}

double quantity_float(const Quantity& q) {
  return static_cast<double>(q.nanos) / 1e9;
}

}  // namespace fakekube
