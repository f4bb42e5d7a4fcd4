// SPDX-License-Identifier: Apache-2.0
#include "json_read.hpp"

namespace kray::core::detail {

const Json* child(const Json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) {
    return nullptr;
  }
  auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

const Json* child(const Json* array, std::size_t index) {
  if (array == nullptr || !array->is_array() || index >= array->size()) {
    return nullptr;
  }
  return &(*array)[index];
}

std::string string_of(const Json* value) {
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

std::optional<long long> integer_of(const Json* value) {
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_unsigned()) {
    const auto u = value->get<std::uint64_t>();
    return u <= static_cast<std::uint64_t>(std::numeric_limits<long long>::max())
               ? std::optional<long long>(static_cast<long long>(u))
               : std::nullopt;
  }
  if (value->is_number_integer()) {
    return value->get<long long>();
  }
  if (value->is_number_float()) {
    // Range first: converting a double beyond long long is undefined (the
    // fuzzer found 1e300 here).
    const double d = value->get<double>();
    if (d > -9.2e18 && d < 9.2e18 && d == std::floor(d)) {
      return static_cast<long long>(d);
    }
  }
  return std::nullopt;
}

bool is_true(const Json* value) {
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

bool is_nonempty_object(const Json* value) {
  return value != nullptr && value->is_object() && !value->empty();
}

std::size_t array_size(const Json* value) {
  return value != nullptr && value->is_array() ? value->size() : 0;
}

const Json* env_entry(const Json* container, std::string_view name) {
  const Json* env = child(container, "env");
  for (std::size_t i = 0; i < array_size(env); ++i) {
    const Json* e = child(env, i);
    if (string_of(child(e, "name")) == name) {
      return e;
    }
  }
  return nullptr;
}

std::string env_value(const Json* container, std::string_view name) {
  return string_of(child(env_entry(container, name), "value"));
}

const Json& member(const Json& object, const char* key) {
  static const Json k_null;
  if (!object.is_object()) {
    return k_null;
  }
  auto it = object.find(key);
  return it != object.end() ? *it : k_null;
}

std::string string_member(const Json& object, const char* key) {
  const Json& v = member(object, key);
  return v.is_string() ? v.get<std::string>() : "";
}

}  // namespace kray::core::detail
