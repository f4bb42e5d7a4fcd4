// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/merge.hpp>

namespace kray::core {
namespace {

// Returns the key that identifies the items of both lists, or nullptr when
// they are not lists of named mappings.
const char* list_merge_key(const Json& a, const Json& b) {
  for (const char* key : {"name", "groupName"}) {
    auto named = [key](const Json& list) {
      for (const auto& item : list) {
        if (!item.is_object()) {
          return false;
        }
        auto it = item.find(key);
        if (it == item.end() || !it->is_string()) {
          return false;
        }
      }
      return true;
    };
    if (named(a) && named(b)) {
      return key;
    }
  }
  return nullptr;
}

}  // namespace

void merge_into(Json& base, const Json& other, MergeMode mode) {
  if (base.is_object() && other.is_object()) {
    for (auto it = other.begin(); it != other.end(); ++it) {
      auto existing = base.find(it.key());
      if (mode == MergeMode::overlay && it.value().is_null()) {
        if (existing != base.end()) {
          base.erase(existing);
        }
        continue;
      }
      if (existing == base.end()) {
        base[it.key()] = it.value();
      } else {
        merge_into(*existing, it.value(), mode);
      }
    }
    return;
  }
  if (base.is_array() && other.is_array() && !base.empty() && !other.empty()) {
    if (const char* key = list_merge_key(base, other)) {
      for (const auto& item : other) {
        bool matched = false;
        for (auto& b : base) {
          if (b[key] == item[key]) {
            merge_into(b, item, mode);
            matched = true;
            break;
          }
        }
        if (!matched) {
          base.push_back(item);
        }
      }
      return;
    }
  }
  if (mode == MergeMode::overlay) {
    base = other;
  }
}

}  // namespace kray::core
