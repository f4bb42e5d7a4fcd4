// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/yaml/json.hpp>

namespace kray::core {

// How `merge_into` settles a key that both sides have.
enum class MergeMode {
  fill,     // `base` wins: `other` only adds what `base` lacks (templates)
  overlay,  // `other` wins, and a null in `other` removes the key (patches)
};

// Merges `other` into `base`, recursively. Mappings merge key by key. Lists
// whose items are all mappings with a string `name` (containers, env,
// ports, volumes, volumeMounts) or `groupName` (workerGroupSpecs) merge item
// by item on that key: matching items merge, new items are appended, and
// `base`'s order is kept. Any other list is a value: kept in `fill` mode,
// replaced in `overlay` mode. The result keeps `base`'s key order, with new
// keys appended.
void merge_into(Json& base, const Json& other, MergeMode mode);

}  // namespace kray::core
