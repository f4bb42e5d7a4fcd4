// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

namespace kray::io {

// The process environment, abstract so that tests set KUBECONFIG, HOME and
// the in-cluster variables without touching the real one.
class Environment {
 public:
  virtual ~Environment() = default;
  // The variable's value; nullopt when unset (set but empty is "").
  virtual std::optional<std::string> get(const std::string& name) const = 0;
};

class RealEnvironment final : public Environment {
 public:
  std::optional<std::string> get(const std::string& name) const override;
};

}  // namespace kray::io
