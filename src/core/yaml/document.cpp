// SPDX-License-Identifier: Apache-2.0
#include <krayctl/core/yaml/document.hpp>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <sstream>
#include <unordered_set>

namespace kray::core {

std::string_view SourceFile::line_text(int line) const {
  if (line <= 0) {
    return {};
  }
  std::size_t start = 0;
  for (int l = 1; l < line; ++l) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) {
      return {};
    }
    start = nl + 1;
  }
  auto end = text.find('\n', start);
  std::string_view out(text);
  out = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (!out.empty() && out.back() == '\r') {
    out.remove_suffix(1);
  }
  return out;
}

const NodeMark* Document::mark(std::string_view pointer) const {
  auto it = marks.find(std::string(pointer));
  return it == marks.end() ? nullptr : &it->second;
}

SourceLocation Document::location(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    if (const auto* m = mark(p)) {
      return {m->source ? m->source->name : source->name, m->line, m->column};
    }
    if (p.empty()) {
      return {source->name, 0, 0};
    }
    p = pointer_parent(p);
  }
}

SourceLocation Document::key_location(std::string_view pointer) const {
  if (const auto* m = mark(pointer); m != nullptr && m->key_line > 0) {
    return {m->source ? m->source->name : source->name, m->key_line, m->key_column};
  }
  return location(pointer);
}

namespace {

// ---- Plain scalar resolution, as go-yaml v2 does it (resolve.go) --------

// Go's strconv.ParseInt(s, 0, 64) / ParseUint: optional sign, then a base
// prefix 0x, 0o, 0b or a bare leading 0 (octal).
std::optional<Json> parse_go_integer(std::string_view s) {
  bool negative = false;
  bool had_sign = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    had_sign = true;
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') {
      base = 16;
      s.remove_prefix(2);
    } else if (p == 'o' || p == 'O') {
      base = 8;
      s.remove_prefix(2);
    } else if (p == 'b' || p == 'B') {
      base = 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  if (s.empty()) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  if (negative) {
    if (value > static_cast<std::uint64_t>(INT64_MAX) + 1) {
      return std::nullopt;
    }
    return Json(value == static_cast<std::uint64_t>(INT64_MAX) + 1
                    ? INT64_MIN
                    : -static_cast<std::int64_t>(value));
  }
  if (value <= static_cast<std::uint64_t>(INT64_MAX)) {
    return Json(static_cast<std::int64_t>(value));
  }
  if (had_sign) {  // ParseUint takes no sign
    return std::nullopt;
  }
  return Json(value);
}

// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
bool is_yaml_style_float(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ++i;
    }
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) {
      return false;
    }
  } else {
    if (digits() == 0) {
      return false;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      ++i;
    }
    if (digits() == 0) {
      return false;
    }
  }
  return i == s.size();
}

std::optional<double> parse_double(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
  }
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

std::string remove_underscores(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != '_') {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<Json> resolve_plain_scalar(std::string_view text) {
  static const std::unordered_map<std::string_view, int> k_words = {
      {"y", 1},     {"Y", 1},     {"yes", 1},   {"Yes", 1},   {"YES", 1},   {"true", 1},
      {"True", 1},  {"TRUE", 1},  {"on", 1},    {"On", 1},    {"ON", 1},    {"n", 0},
      {"N", 0},     {"no", 0},    {"No", 0},    {"NO", 0},    {"false", 0}, {"False", 0},
      {"FALSE", 0}, {"off", 0},   {"Off", 0},   {"OFF", 0},   {"", 2},      {"~", 2},
      {"null", 2},  {"Null", 2},  {"NULL", 2},  {".nan", 3},  {".NaN", 3},  {".NAN", 3},
      {".inf", 3},  {".Inf", 3},  {".INF", 3},  {"+.inf", 3}, {"+.Inf", 3}, {"+.INF", 3},
      {"-.inf", 3}, {"-.Inf", 3}, {"-.INF", 3},
  };
  if (auto it = k_words.find(text); it != k_words.end()) {
    switch (it->second) {
      case 0:
        return Json(false);
      case 1:
        return Json(true);
      case 2:
        return Json(nullptr);
      default:
        return make_error(ErrorCode::invalid_spec,
                          "'" + std::string(text) +
                              "' is not a number JSON can hold; quote it to make it a string");
    }
  }
  if (text.empty()) {
    return Json(nullptr);
  }
  const char first = text[0];
  if (first == '.') {
    if (auto d = parse_double(text)) {
      return Json(*d);
    }
    return Json(std::string(text));
  }
  if ((first >= '0' && first <= '9') || first == '+' || first == '-') {
    const std::string plain = remove_underscores(text);
    if (auto i = parse_go_integer(plain)) {
      return *i;
    }
    if (is_yaml_style_float(plain)) {
      if (auto d = parse_double(plain)) {
        return Json(*d);
      }
    }
  }
  return Json(std::string(text));
}

namespace {

// The deepest nesting yaml-cpp 0.7 parses (see parse_documents).
constexpr int k_max_yaml_depth = 500;

// yaml-cpp's messages are terse; these say what to do.
std::string explain_yaml_error(const std::string& msg) {
  struct Rewrite {
    std::string_view yaml_cpp;
    std::string_view ours;
  };
  static constexpr Rewrite k_rewrites[] = {
      {"illegal tab when looking for indentation",
       "tab character in indentation: YAML indents with spaces only"},
      {"end of map not found",
       "bad indentation: this line is not aligned with the keys of its mapping"},
      {"illegal map value",
       "unexpected ':': quote a value that contains ': ', or fix the indentation"},
      {"end of sequence flow not found", "unclosed '[': missing ']'"},
      {"end of map flow not found", "unclosed '{': missing '}'"},
      {"end of sequence not found", "bad indentation in a list"},
      {"illegal block entry", "unexpected list item '- ': check the indentation"},
      {"the referenced anchor is not defined", "alias '*' refers to an undefined anchor"},
  };
  for (const auto& r : k_rewrites) {
    if (msg == r.yaml_cpp) {
      return std::string(r.ours);
    }
  }
  return "YAML syntax error: " + msg;
}

class Converter {
 public:
  Converter(Document& doc, std::size_t max_nodes) : m_doc(doc), m_max_nodes(max_nodes) {}

  Result<Json> convert(const YAML::Node& node,
                       const std::string& pointer,
                       int key_line,
                       int key_column) {
    if (++m_nodes > m_max_nodes) {
      return error_at(node, "document expands to over " + std::to_string(m_max_nodes) +
                                " nodes (aliases nested too deep?)");
    }
    NodeMark mark;
    mark.line = node.Mark().line + 1;
    mark.column = node.Mark().column + 1;
    mark.key_line = key_line;
    mark.key_column = key_column;
    Json value;
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        value = nullptr;
        break;
      case YAML::NodeType::Scalar: {
        KRAY_TRY_ASSIGN(value, scalar(node, mark));
        break;
      }
      case YAML::NodeType::Sequence: {
        value = Json::array();
        std::size_t i = 0;
        for (const auto& item : node) {
          KRAY_TRY_ASSIGN(auto v, convert(item, pointer_append(pointer, i), 0, 0));
          value.push_back(std::move(v));
          ++i;
        }
        break;
      }
      case YAML::NodeType::Map: {
        KRAY_TRY_ASSIGN(value, mapping(node, pointer));
        break;
      }
    }
    m_doc.marks[pointer] = std::move(mark);
    return value;
  }

 private:
  tl::unexpected<Error> error_at(const YAML::Node& node, std::string message) {
    return make_error(
        ErrorCode::invalid_spec, std::move(message),
        SourceLocation{m_doc.source->name, node.Mark().line + 1, node.Mark().column + 1});
  }

  // Quoted scalars that run to the end of the input are accepted by
  // yaml-cpp; catch them here, from the opening quote.
  Result<void> check_closed_quote(const YAML::Node& node) {
    const std::string& text = m_doc.source->text;
    const auto pos = static_cast<std::size_t>(node.Mark().pos);
    if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) {
      return {};
    }
    const char q = text[pos];
    for (std::size_t i = pos + 1; i < text.size(); ++i) {
      if (q == '"' && text[i] == '\\') {
        ++i;
        continue;
      }
      if (text[i] == q) {
        if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          ++i;  // '' is an escaped quote
          continue;
        }
        return {};
      }
    }
    return error_at(node, std::string("unclosed quote: this ") + q + " has no closing " + q);
  }

  Result<Json> scalar(const YAML::Node& node, NodeMark& mark) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      KRAY_TRY(check_closed_quote(node));
      return Json(text);
    }
    if (tag == "?" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
        tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      auto resolved = resolve_plain_scalar(text);
      if (!resolved) {
        return error_at(node, resolved.error().message);
      }
      if (!resolved->is_string()) {
        mark.raw = text;
      }
      return std::move(*resolved);
    }
    return error_at(node, "unsupported YAML tag '" + tag + "'");
  }

  // A key as JSON sees it: sigs.k8s.io/yaml turns boolean and numeric keys
  // into their string form (so the key `n:` becomes "false", as in kubectl).
  Result<std::string> key_string(const YAML::Node& key, std::string* raw = nullptr) {
    if (key.Type() != YAML::NodeType::Scalar) {
      if (key.Type() == YAML::NodeType::Null) {
        return error_at(key, "a mapping key is empty (a stray ':'?)");
      }
      return error_at(key, "a mapping key must be a scalar, not a list or mapping");
    }
    NodeMark unused;
    KRAY_TRY_ASSIGN(Json k, scalar(key, unused));
    if (k.is_string()) {
      return k.get<std::string>();
    }
    if (k.is_null()) {
      return error_at(key, "a mapping key is null");
    }
    if (raw != nullptr) {
      *raw = key.Scalar();
    }
    return k.dump();
  }

  Result<Json> mapping(const YAML::Node& node, const std::string& pointer) {
    Json out = Json::object();
    std::unordered_set<std::string> seen;
    std::vector<const YAML::Node*> merges;
    std::vector<YAML::Node> merge_sources;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Copies, not references: `it->` yields a proxy that dies at the end
      // of the statement (ASan: stack-use-after-scope). Nodes are handles.
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (key.Type() == YAML::NodeType::Scalar && key.Tag() == "?" && key.Scalar() == "<<") {
        merge_sources.push_back(value);
        continue;
      }
      std::string raw;
      KRAY_TRY_ASSIGN(std::string k, key_string(key, &raw));
      if (!seen.insert(k).second) {
        return error_at(key, "duplicate key '" + k + "' in this mapping");
      }
      const std::string child = pointer_append(pointer, k);
      KRAY_TRY_ASSIGN(Json v, convert(value, child, key.Mark().line + 1, key.Mark().column + 1));
      if (!raw.empty()) {
        m_doc.marks[child].key_raw = std::move(raw);
      }
      out[k] = std::move(v);
    }
    // YAML merge keys (`<<: *defaults`): explicit keys win, earlier merge
    // sources win over later ones.
    for (const auto& source : merge_sources) {
      std::vector<YAML::Node> sources;
      if (source.IsMap()) {
        sources.push_back(source);
      } else if (source.IsSequence()) {
        for (const auto& s : source) {
          sources.push_back(s);
        }
      }
      for (const auto& s : sources) {
        if (!s.IsMap()) {
          return error_at(s, "a merge key '<<' takes a mapping or a list of mappings");
        }
        for (auto it = s.begin(); it != s.end(); ++it) {
          const YAML::Node key = it->first;
          const YAML::Node value = it->second;
          KRAY_TRY_ASSIGN(std::string k, key_string(key));
          if (!seen.insert(k).second) {
            continue;
          }
          KRAY_TRY_ASSIGN(Json v, convert(value, pointer_append(pointer, k), key.Mark().line + 1,
                                          key.Mark().column + 1));
          out[k] = std::move(v);
        }
      }
    }
    return out;
  }

  Document& m_doc;
  std::size_t m_nodes = 0;
  std::size_t m_max_nodes;
};

// YAML streams are Unicode text: reject what is not valid UTF-8 and the C0
// control characters YAML forbids (all but tab, LF, CR), as go-yaml does,
// before yaml-cpp (which passes them through) sees them.
Result<void> check_text(const SourceFile& source) {
  const std::string& t = source.text;
  int line = 1;
  int column = 1;
  auto bad = [&](const std::string& what) {
    return make_error(ErrorCode::invalid_spec, what, SourceLocation{source.name, line, column});
  };
  for (std::size_t i = 0; i < t.size();) {
    const auto c = static_cast<unsigned char>(t[i]);
    std::size_t len = 1;
    if (c < 0x80) {
      if (c == '\n') {
        ++line;
        column = 1;
        ++i;
        continue;
      }
      if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
        return bad(fmt::format("control character 0x{:02x} is not allowed in YAML", c));
      }
    } else {
      // Lead bytes: C2..DF, E0..EF, F0..F4; anything else never starts a
      // character (80..BF continue one, C0/C1 and F5..FF never occur).
      len = c >= 0xC2 && c <= 0xDF   ? 2
            : c >= 0xE0 && c <= 0xEF ? 3
            : c >= 0xF0 && c <= 0xF4 ? 4
                                     : 0;
      bool ok = len != 0 && i + len <= t.size();
      for (std::size_t k = 1; ok && k < len; ++k) {
        ok = (static_cast<unsigned char>(t[i + k]) & 0xC0) == 0x80;
      }
      if (ok && len == 3) {  // no overlongs, no UTF-16 surrogates
        const auto c1 = static_cast<unsigned char>(t[i + 1]);
        ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
      }
      if (ok && len == 4) {  // no overlongs, nothing past U+10FFFF
        const auto c1 = static_cast<unsigned char>(t[i + 1]);
        ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
      }
      if (!ok) {
        return bad("the file is not valid UTF-8 here (saved as UTF-16 or Latin-1?)");
      }
    }
    i += len;
    column += static_cast<int>(len);  // columns count bytes, as yaml-cpp's marks do
  }
  return {};
}

// yaml-cpp 0.7 loops forever, allocating, when a document starts with a ','
// (`LoadAll(",x")` never returns: each "document" it yields is an empty one
// at the same position). This pass sees only events and stops as soon as a
// document starts where the previous one started. It throws what yaml-cpp
// throws for other syntax errors.
class ProgressGuard final : public YAML::EventHandler {
 public:
  // Returns the position of a document that made no progress, if any.
  static std::optional<YAML::Mark> find_stuck_document(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ProgressGuard guard;
    std::size_t last = std::string::npos;
    while (parser.HandleNextDocument(guard)) {
      const auto pos = static_cast<std::size_t>(guard.m_start.pos);
      if (pos == last) {
        return guard.m_start;
      }
      last = pos;
    }
    return std::nullopt;
  }

  void OnDocumentStart(const YAML::Mark& mark) override { m_start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&,
                const std::string&,
                YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&,
                       const std::string&,
                       YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&,
                  const std::string&,
                  YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  YAML::Mark m_start;
};

}  // namespace

Result<std::vector<Document>> parse_documents(const std::shared_ptr<const SourceFile>& source,
                                              const ParseOptions& options) {
  KRAY_TRY(check_text(*source));
  std::vector<YAML::Node> nodes;
  try {
    if (auto stuck = ProgressGuard::find_stuck_document(source->text)) {
      // The parser stopped before the offending character: find it.
      const auto at =
          source->text.find_first_not_of(" \t\r\n", static_cast<std::size_t>(stuck->pos));
      int line = 1;
      int column = 1;
      for (std::size_t i = 0; i < at && i < source->text.size(); ++i) {
        column = source->text[i] == '\n' ? 1 : column + 1;
        line += source->text[i] == '\n' ? 1 : 0;
      }
      return make_error(ErrorCode::invalid_spec,
                        "unexpected ',': it separates items only inside [ ] or { }",
                        SourceLocation{source->name, line, column});
    }
    nodes = YAML::LoadAll(source->text);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp 0.7 refuses to nest deeper than 500 (src/singledocparser.cpp,
    // HandleNode's DepthGuard<500>) with only "bad file" as its message.
    return make_error(ErrorCode::invalid_spec,
                      "YAML nested deeper than " + std::to_string(k_max_yaml_depth) +
                          " levels, the most krayctl reads (no Kubernetes object comes close)",
                      SourceLocation{source->name, e.mark.line + 1, e.mark.column + 1});
  } catch (const YAML::Exception& e) {
    // yaml-cpp often blames the ':' after a tab-indented key; a tab in the
    // indentation of that line or the one before is the real cause.
    for (int line = e.mark.line + 1; line >= e.mark.line && line >= 1; --line) {
      const std::string_view text = source->line_text(line);
      const auto indent_end = text.find_first_not_of(" \t");
      const auto tab = text.substr(0, indent_end).find('\t');
      if (tab != std::string_view::npos) {
        return make_error(ErrorCode::invalid_spec,
                          "tab character in indentation: YAML indents with spaces only",
                          SourceLocation{source->name, line, static_cast<int>(tab) + 1});
      }
    }
    return make_error(ErrorCode::invalid_spec, explain_yaml_error(e.msg),
                      SourceLocation{source->name, e.mark.line + 1, e.mark.column + 1});
  }
  std::vector<Document> docs;
  int index = 0;
  for (const auto& node : nodes) {
    if (node.IsNull()) {
      ++index;
      continue;
    }
    Document doc;
    doc.source = source;
    doc.index = index++;
    Converter converter(doc, options.max_nodes);
    KRAY_TRY_ASSIGN(doc.root, converter.convert(node, "", 0, 0));
    docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace kray::core
