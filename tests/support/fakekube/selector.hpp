// SPDX-License-Identifier: Apache-2.0
// Label and field selectors as the API server parses them
// (apimachinery/pkg/labels and pkg/fields): `a=b`, `a==b`, `a!=b`,
// `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, joined by commas.
#pragma once

#include "store.hpp"

#include <string>
#include <vector>

namespace fakekube {

class LabelSelector {
 public:
  static Result<LabelSelector> parse(const std::string& text);
  bool matches(const Json& labels) const;  // labels: object or null
  bool empty() const { return m_terms.empty(); }

 private:
  enum class Op { eq, neq, in, notin, exists, not_exists, gt, lt };
  struct Term {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Term> m_terms;
};

// Field selectors: only =, == and != on the fields a type supports
// (metadata.name and metadata.namespace everywhere; per type extras such as
// spec.nodeName and status.phase for Pods, involvedObject.* for Events).
class FieldSelector {
 public:
  static Result<FieldSelector> parse(const std::string& text, const ResourceType& type);
  bool matches(const Json& object) const;
  bool empty() const { return m_terms.empty(); }

 private:
  struct Term {
    std::string field;
    bool equal;
    std::string value;
  };
  std::vector<Term> m_terms;
};

}  // namespace fakekube
