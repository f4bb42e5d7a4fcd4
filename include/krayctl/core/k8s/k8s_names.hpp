// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kray::core {

// Kubernetes name rules (k8s.io/apimachinery/pkg/util/validation). Each
// returns nullopt when `s` is valid, else what is wrong, phrased to follow
// "must ..." or stand alone after the value.

// [a-z]([-a-z0-9]*[a-z0-9])?, at most 63 characters: Service names, and
// KubeRay's rule for RayCluster, RayJob and RayService names.
std::optional<std::string> check_dns1035_label(std::string_view s);

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters: namespaces.
std::optional<std::string> check_dns1123_label(std::string_view s);

// Dot-separated DNS-1123 labels, at most 253 characters: most object names.
std::optional<std::string> check_dns1123_subdomain(std::string_view s);

// [prefix/]name where prefix is a DNS subdomain and name is at most 63
// characters of [A-Za-z0-9._-] starting and ending alphanumeric: label and
// annotation keys, resource names such as nvidia.com/gpu.
std::optional<std::string> check_qualified_name(std::string_view s);

// Empty, or at most 63 characters of [A-Za-z0-9._-] starting and ending
// alphanumeric.
std::optional<std::string> check_label_value(std::string_view s);

// [-._a-zA-Z][-._a-zA-Z0-9]*: environment variable names.
std::optional<std::string> check_env_name(std::string_view s);

}  // namespace kray::core
