// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/set_path.hpp>

#include <variant>

namespace kray::core {
namespace {

using Segment = std::variant<std::string, std::size_t>;

Result<std::vector<Segment>> parse_path(std::string_view path, const SourceLocation& where) {
  std::vector<Segment> out;
  std::string cur;
  bool have_key = false;
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::usage, "invalid --set path '" + std::string(path) + "': " + why,
                      where);
  };
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '\\' && i + 1 < path.size()) {
      cur += path[++i];
      have_key = true;
    } else if (c == '.') {
      if (!have_key) {
        if (!out.empty() && std::holds_alternative<std::size_t>(out.back())) {
          continue;  // "workers[0].gpus"
        }
        return bad("empty key");
      }
      out.emplace_back(cur);
      cur.clear();
      have_key = false;
    } else if (c == '[') {
      if (have_key) {
        out.emplace_back(cur);
        cur.clear();
        have_key = false;
      }
      const auto close = path.find(']', i);
      if (close == std::string_view::npos) {
        return bad("missing ']'");
      }
      const std::string_view digits = path.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.size() > 9 ||
          digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return bad("list index must be a number below 1000000000");
      }
      out.emplace_back(static_cast<std::size_t>(std::stoul(std::string(digits))));
      i = close;
    } else {
      cur += c;
      have_key = true;
    }
  }
  if (have_key) {
    out.emplace_back(cur);
  }
  if (out.empty()) {
    return bad("empty path");
  }
  return out;
}

void mark_tree(Document& doc, const Json& value, const std::string& pointer, const NodeMark& mark) {
  doc.marks[pointer] = mark;
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      mark_tree(doc, it.value(), pointer_append(pointer, it.key()), mark);
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      mark_tree(doc, value[i], pointer_append(pointer, i), mark);
    }
  }
}

}  // namespace

Result<void> apply_set(Document& doc, const std::string& assignment, bool as_string) {
  const std::string flag = as_string ? "--set-string" : "--set";
  auto source = std::make_shared<SourceFile>(SourceFile{flag, assignment});
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return make_error(
        ErrorCode::usage,
        "invalid " + flag + " '" + assignment + "': expected PATH=VALUE, such as workers[0].gpus=4",
        SourceLocation{flag, 1, 1});
  }
  KRAY_TRY_ASSIGN(auto path, parse_path(std::string_view(assignment).substr(0, eq), {flag, 1, 1}));
  const int value_column = static_cast<int>(eq) + 2;
  const std::string value_text = assignment.substr(eq + 1);
  Json value = "";
  std::string raw;  // the text of a scalar YAML read as a number, boolean or null
  if (!as_string && !value_text.empty()) {
    auto parsed = parse_documents(std::make_shared<SourceFile>(SourceFile{flag, value_text}));
    if (!parsed) {
      return make_error(ErrorCode::usage,
                        "invalid --set value '" + value_text + "': " + parsed.error().message,
                        SourceLocation{flag, 1, value_column});
    }
    value = parsed->empty() ? Json(nullptr) : std::move(parsed->front().root);
    if (!value.is_string() && !value.is_structured()) {
      raw = value_text;
    }
  } else if (as_string) {
    value = value_text;
  }

  Json* cur = &doc.root;
  std::string pointer;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const bool last = i + 1 == path.size();
    if (const auto* key = std::get_if<std::string>(&path[i])) {
      if (cur->is_null()) {
        *cur = Json::object();
      }
      if (!cur->is_object()) {
        return make_error(ErrorCode::usage,
                          flag + " " + assignment.substr(0, eq) + ": " + pointer_to_path(pointer) +
                              " is not a mapping",
                          SourceLocation{flag, 1, 1});
      }
      if (last && value.is_null()) {
        // null deletes the key, and what the file said under it.
        const std::string gone = pointer_append(pointer, *key);
        cur->erase(*key);
        std::erase_if(doc.marks, [&](const auto& m) {
          return m.first == gone || m.first.rfind(gone + "/", 0) == 0;
        });
        return {};
      }
      pointer = pointer_append(pointer, *key);
      cur = &(*cur)[*key];
    } else {
      const std::size_t index = std::get<std::size_t>(path[i]);
      if (cur->is_null()) {
        *cur = Json::array();
      }
      if (!cur->is_array() || index > cur->size()) {
        return make_error(
            ErrorCode::usage,
            flag + " " + assignment.substr(0, eq) + ": " + pointer_to_path(pointer) +
                (cur->is_array() ? " has only " + std::to_string(cur->size()) + " items"
                                 : " is not a list"),
            SourceLocation{flag, 1, 1});
      }
      if (index == cur->size()) {
        cur->push_back(nullptr);
      }
      pointer = pointer_append(pointer, index);
      cur = &(*cur)[index];
    }
    if (last) {
      *cur = value;
    }
  }
  NodeMark mark;
  mark.line = 1;
  mark.column = value_column;
  mark.source = source;
  mark.raw = raw;
  mark_tree(doc, value, pointer, mark);
  return {};
}

}  // namespace kray::core
