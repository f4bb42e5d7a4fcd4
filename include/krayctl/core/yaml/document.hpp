// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <krayctl/core/yaml/json.hpp>
#include <krayctl/util/error.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kray::core {

// The text of one input (a file, stdin, a --set value), kept so that
// diagnostics can quote the offending line.
struct SourceFile {
  std::string name;  // as the user gave it: "job.yaml", "<stdin>"
  std::string text;

  // Returns line `line` (1-based) without its newline, or "" past the end.
  std::string_view line_text(int line) const;
};

// Where one node of a document came from (all 1-based; 0 = unknown).
struct NodeMark {
  int line = 0;
  int column = 0;
  int key_line = 0;  // position of the mapping key that holds this node
  int key_column = 0;
  // For a plain scalar that YAML 1.1 read as a boolean, number or null: its
  // text as written (`on`, `08`), so that a type error can say so.
  std::string raw;
  // For a mapping key written as a plain scalar that YAML 1.1 reads as a
  // boolean or number (`Y:`, `on:`, `8:`): the key as written. The JSON key
  // is its string form ("true"), as kubectl would send it.
  std::string key_raw;
  // Set when the node came from elsewhere than the document's own file (a
  // `--set` value): positions are then in this source.
  std::shared_ptr<const SourceFile> source;
};

// One YAML document read into ordered JSON, plus the position of every node.
// Read once; every later diagnostic points into it by JSON pointer.
struct Document {
  std::shared_ptr<const SourceFile> source;
  int index = 0;  // 0-based position in a multi-document file
  Json root;
  std::unordered_map<std::string, NodeMark> marks;  // JSON pointer -> mark

  // Returns the mark of `pointer`, or nullptr when it has none (a node that
  // a later step added).
  const NodeMark* mark(std::string_view pointer) const;

  // Returns where the value at `pointer` is written. For a pointer without a
  // mark, the nearest ancestor that has one (a missing key is reported at
  // the mapping that lacks it).
  SourceLocation location(std::string_view pointer) const;

  // Like `location`, but for a mapping member returns the key's position
  // (where "unknown key" belongs).
  SourceLocation key_location(std::string_view pointer) const;
};

struct ParseOptions {
  // A cap on the nodes of one document, aliases expanded: a YAML "billion
  // laughs" must fail, not exhaust memory. Only trusted inputs (the CRDs
  // tools/ compacts) need more.
  std::size_t max_nodes = 100'000;
};

// Parses `source` (one or more YAML documents separated by `---`). Empty
// documents (only comments, or a trailing `---`) are skipped, so an empty
// file yields an empty vector. Fails with ErrorCode::invalid_spec and the
// location of the first syntax error, duplicate key, unclosed quote or
// unsupported construct.
[[nodiscard]] Result<std::vector<Document>> parse_documents(
    const std::shared_ptr<const SourceFile>& source, const ParseOptions& options = {});

// Resolves one plain scalar as kubectl would: sigs.k8s.io/yaml over go-yaml
// v2, a YAML 1.1 reader, where `on`, `yes`, `y` are true, `08` is the number
// 8 and `0x10` is 16. Reading a manifest any other way would disagree with
// what the API server receives from `kubectl apply`.
// Fails for values JSON cannot hold (.nan, .inf).
[[nodiscard]] Result<Json> resolve_plain_scalar(std::string_view text);

}  // namespace kray::core
