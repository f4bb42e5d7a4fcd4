// SPDX-License-Identifier: Apache-2.0
#include <krayctl/util/edit_distance.hpp>

#include <algorithm>
#include <vector>

namespace kray::util {

std::size_t edit_distance(std::string_view a, std::string_view b, std::size_t max_distance) {
  // Optimal string alignment distance with three rolling rows.
  const std::size_t n = b.size();
  std::vector<std::size_t> prev2(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) {
    prev[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
      row_min = std::min(row_min, cur[j]);
    }
    if (max_distance != 0 && row_min > max_distance) {
      return max_distance + 1;
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}

}  // namespace kray::util
