// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string_view>

namespace kray::util {

// Returns the Levenshtein distance between `a` and `b`, counting an adjacent
// transposition ("gpsu" for "gpus") as one edit. Stops early and returns
// `max_distance + 1` once the distance exceeds `max_distance` (when non-zero).
std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max_distance = 0);

}  // namespace kray::util
