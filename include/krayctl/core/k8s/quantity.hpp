// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace kray::core {

// A Kubernetes resource quantity ("500m", "32Gi", "1e3", "8"), parsed with
// the grammar of k8s.io/apimachinery/pkg/api/resource (quantity.go):
//   [+-] digits [. digits] ( Ki|Mi|Gi|Ti|Pi|Ei | n|u|m|""|k|M|G|T|P|E | e[+-]N )
struct Quantity {
  std::string text;  // as written, the form that goes into manifests
  double value = 0;  // in base units: cores, bytes, devices
};

// Parses `text`. On failure the message names the problem and, for a
// near-miss suffix, the likely intent: "8Gb" suggests '8Gi' or '8G'.
[[nodiscard]] Result<Quantity> parse_quantity(std::string_view text);

// Parses a quantity written as a YAML string or number (`cpu: 8`,
// `cpu: 0.5`, `memory: 32Gi`); numbers become their canonical text ("8").
[[nodiscard]] Result<Quantity> parse_quantity_value(const Json& value);

// The regular expression of resource.Quantity in CRD schemas, and a
// matcher equivalent to it written by hand (std::regex takes a quarter of a
// millisecond to compile it, on the start-up path of every render).
inline constexpr std::string_view k_quantity_pattern =
    R"(^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$)";
bool matches_quantity_pattern(std::string_view s);

// Parses Go's time.ParseDuration syntax ("1h30m", "1.5s", "300ms", "-2m",
// "0") into seconds, fractions and sign kept; nullopt when it does not
// parse (a missing unit, "1x"). For the operator's own checks, which use Go.
std::optional<double> parse_go_duration(std::string_view text);

// Parses a duration: whole seconds as an integer (60) or Go duration syntax
// ("60s", "5m", "1h30m", "1.5h"). Returns whole seconds; fails for negative
// values, fractions of a second and unknown units.
[[nodiscard]] Result<std::int64_t> parse_duration_seconds(const Json& value);

}  // namespace kray::core
