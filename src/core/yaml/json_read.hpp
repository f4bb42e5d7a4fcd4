// SPDX-License-Identifier: Apache-2.0
// Private to src/core: reading the values of a parsed document without
// trusting their types.
#pragma once

#include <krayctl/core/yaml/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kray::core::detail {

// Reading values of any type. The operator's rules and the lints run even
// when the schema found type errors (so that the user sees every problem at
// once), so they read through these, which never throw: a value of the wrong
// type reads as absent.
const Json* child(const Json* object, std::string_view key);
const Json* child(const Json* array, std::size_t index);
std::string string_of(const Json* value);                // "" unless a string
std::optional<long long> integer_of(const Json* value);  // integral numbers only
bool is_true(const Json* value);                         // the boolean true
bool is_nonempty_object(const Json* value);
std::size_t array_size(const Json* value);  // 0 unless an array

// The env entry `name` of a container, or nullptr.
const Json* env_entry(const Json* container, std::string_view name);
// Its literal `value` ("" when absent or taken from a valueFrom).
std::string env_value(const Json* container, std::string_view name);

// The same, by reference, for objects a server sent: the member `key` of
// `object`, or a null when there is none or `object` is no object. Never
// a copy (copying a subtree recurses once per level of nesting).
const Json& member(const Json& object, const char* key);
// Its string, or "" when it is absent or not a string.
std::string string_member(const Json& object, const char* key);

}  // namespace kray::core::detail
