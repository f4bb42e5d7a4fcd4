// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/json.hpp>

#include <cctype>

namespace kray::core {
namespace {

// Splits a pointer into unescaped segments.
std::vector<std::string> pointer_segments(std::string_view pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) {
    return out;
  }
  std::size_t pos = 1;  // skip the leading '/'
  std::string cur;
  for (; pos <= pointer.size(); ++pos) {
    if (pos == pointer.size() || pointer[pos] == '/') {
      out.push_back(cur);
      cur.clear();
      continue;
    }
    if (pointer[pos] == '~' && pos + 1 < pointer.size()) {
      cur += pointer[pos + 1] == '1' ? '/' : '~';
      ++pos;
      continue;
    }
    cur += pointer[pos];
  }
  return out;
}

bool is_index(std::string_view s) {
  if (s.empty() || s.size() > 9) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return s.size() == 1 || s[0] != '0';
}

bool is_identifier(std::string_view s) {
  if (s.empty() || (std::isdigit(static_cast<unsigned char>(s[0])) != 0)) {
    return false;
  }
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string pointer_escape(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (char c : segment) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string pointer_append(std::string_view parent, std::string_view segment) {
  std::string out(parent);
  out += '/';
  out += pointer_escape(segment);
  return out;
}

std::string pointer_append(std::string_view parent, std::size_t index) {
  std::string out(parent);
  out += '/';
  out += std::to_string(index);
  return out;
}

std::string pointer_parent(std::string_view pointer) {
  auto pos = pointer.rfind('/');
  if (pos == std::string_view::npos) {
    return "";
  }
  return std::string(pointer.substr(0, pos));
}

std::string pointer_to_path(std::string_view pointer) {
  auto segments = pointer_segments(pointer);
  if (segments.empty()) {
    return "(document)";
  }
  std::string out;
  for (const auto& s : segments) {
    if (is_index(s)) {
      out += "[" + s + "]";
    } else if (is_identifier(s)) {
      if (!out.empty()) {
        out += '.';
      }
      out += s;
    } else {
      out += "[\"" + s + "\"]";
    }
  }
  return out;
}

namespace {

template <typename J>
const J* find_pointer_in(const J& root, std::string_view pointer) {
  const J* cur = &root;
  for (const auto& s : pointer_segments(pointer)) {
    if (cur->is_object()) {
      auto it = cur->find(s);
      if (it == cur->end()) {
        return nullptr;
      }
      cur = &*it;
    } else if (cur->is_array() && is_index(s)) {
      auto i = std::stoul(s);
      if (i >= cur->size()) {
        return nullptr;
      }
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
  }
  return cur;
}

}  // namespace

const Json* find_pointer(const Json& root, std::string_view pointer) {
  return find_pointer_in(root, pointer);
}

const SchemaJson* find_pointer(const SchemaJson& root, std::string_view pointer) {
  return find_pointer_in(root, pointer);
}

std::string json_type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "mapping";
    case Json::value_t::array:
      return "list";
    default:
      return "value";
  }
}

}  // namespace kray::core
