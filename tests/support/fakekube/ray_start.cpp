// SPDX-License-Identifier: Apache-2.0
#include "ray_start.hpp"

#include "quantity.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <regex>
#include <set>

namespace fakekube::ray {

// ---- 1. Kubernetes expansion ---------------------------------------------

// kubernetes third_party/forked/golang/expansion/expand.go: Expand and
// tryReadVariableName.
std::string expand_kube_refs(const std::string& s, const Env& env) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '$' || i + 1 >= s.size()) {
      out += s[i++];
      continue;
    }
    const char next = s[i + 1];
    if (next == '$') {
      out += '$';
      i += 2;
    } else if (next == '(') {
      const std::size_t close = s.find(')', i + 2);
      if (close == std::string::npos) {
        out += "$(";
        i += 2;
        continue;
      }
      const std::string name = s.substr(i + 2, close - i - 2);
      const auto found = env.find(name);
      out += found != env.end() ? found->second : "$(" + name + ")";
      i = close + 1;
    } else {
      out += '$';
      out += next;
      i += 2;
    }
  }
  return out;
}

// kubelet pkg/kubelet/kubelet_pods.go: makeEnvironmentVariables expands
// each value against the variables defined before it.
Env container_env(const Json& container, const Env& base, const Env& from_sources) {
  Env env = base;
  const Json& list = at(container, {"env"});
  if (!list.is_array()) {
    return env;
  }
  for (const auto& e : list) {
    const std::string name = e.value("name", "");
    if (e.contains("valueFrom") && !e["valueFrom"].is_null()) {
      if (const auto found = from_sources.find(name); found != from_sources.end()) {
        env[name] = found->second;
      }
      continue;
    }
    env[name] = expand_kube_refs(e.value("value", ""), env);
  }
  return env;
}

std::vector<std::string> container_argv(const Json& container, const Env& env) {
  std::vector<std::string> argv;
  for (const char* field : {"command", "args"}) {
    const Json& list = at(container, {field});
    if (list.is_array()) {
      for (const auto& a : list) {
        argv.push_back(expand_kube_refs(a.is_string() ? a.get<std::string>() : a.dump(), env));
      }
    }
  }
  return argv;
}

// ---- 2. The shell ----------------------------------------------------------

namespace {

std::string basename(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

bool is_assignment(const std::string& w) {
  const auto eq = w.find('=');
  if (eq == std::string::npos || eq == 0 || !is_name_start(w[0])) {
    return false;
  }
  return std::all_of(w.begin(), w.begin() + static_cast<long>(eq), is_name_char);
}

// A word as the shell reads it: its characters, which of them came from an
// unquoted expansion (subject to field splitting), whether it had quotes.
struct Word {
  std::string text;
  std::vector<bool> splittable;
  bool quoted = false;
  bool any = false;  // anything read at all

  void add(char c, bool split) {
    text += c;
    splittable.push_back(split);
    any = true;
  }
  // Field splitting on the default IFS (space, tab, newline).
  std::vector<std::string> fields() const {
    std::vector<std::string> out;
    std::string cur;
    bool started = quoted;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (splittable[i] && (c == ' ' || c == '\t' || c == '\n')) {
        if (started) {
          out.push_back(cur);
        }
        cur.clear();
        started = false;
        continue;
      }
      cur += c;
      started = true;
    }
    if (started) {
      out.push_back(cur);
    }
    return out;
  }
};

// A shell (POSIX sh / bash) reader for the scripts Ray containers run. It
// reads one simple command at a time so that assignments made by an earlier
// command are seen by the `$VAR` expansions of a later one.
class Shell {
 public:
  Shell(const std::string& script, Env env) : s_(script), env_(std::move(env)) {}

  Run run() {
    Run r;
    r.shell = true;
    std::string joined_by;
    while (pos_ < s_.size() && unsupported_.empty()) {
      std::vector<Word> words;
      const std::string op = read_command(words);
      if (!unsupported_.empty()) {
        break;
      }
      std::vector<std::string> argv;
      for (const auto& w : words) {
        for (auto& f : w.fields()) {
          argv.push_back(std::move(f));
        }
      }
      handle(r, argv, words, joined_by);
      if (op == "&" && !r.steps.empty() && pending_step_) {
        r.steps.back().background = true;
      }
      pending_step_ = false;
      if (!op.empty()) {
        joined_by = op == "\n" ? ";" : op;
      }
    }
    r.unsupported = unsupported_;
    return r;
  }

 private:
  void handle(Run& r,
              std::vector<std::string> argv,
              const std::vector<Word>& words,
              const std::string& joined_by) {
    // Reserved words open or close compound commands: drop them, keep the
    // command that follows (`while true`, `if ray health-check ...`).
    std::size_t i = 0;
    auto unquoted = [&](std::size_t k) { return k < words.size() && !words[k].quoted; };
    while (i < argv.size() && unquoted(i)) {
      const std::string& w = argv[i];
      if (w == "while" || w == "until") {
        ++loop_depth_;
      } else if (w == "done") {
        loop_depth_ = std::max(0, loop_depth_ - 1);
      } else if (w == "for" || w == "case" || w == "select" || w == "function") {
        unsupported_ = "`" + w + "`";
        return;
      } else if (w != "do" && w != "then" && w != "else" && w != "elif" && w != "if" && w != "fi" &&
                 w != "!" && w != "{" && w != "}") {
        break;
      }
      ++i;
    }
    argv.erase(argv.begin(), argv.begin() + static_cast<long>(i));
    // Leading assignments: for this command only, or for the shell when
    // nothing follows them.
    std::size_t a = 0;
    while (a < argv.size() && is_assignment(argv[a])) {
      ++a;
    }
    if (a == argv.size()) {
      for (const auto& w : argv) {
        const auto eq = w.find('=');
        env_[w.substr(0, eq)] = w.substr(eq + 1);
      }
      return;
    }
    argv.erase(argv.begin(), argv.begin() + static_cast<long>(a));
    while (!argv.empty() && argv[0] == "exec") {
      argv.erase(argv.begin());
    }
    if (argv.empty()) {
      return;
    }
    const std::string& cmd = argv[0];
    if (cmd == "export") {
      for (std::size_t k = 1; k < argv.size(); ++k) {
        if (is_assignment(argv[k])) {
          const auto eq = argv[k].find('=');
          env_[argv[k].substr(0, eq)] = argv[k].substr(eq + 1);
        }
      }
      return;
    }
    if (cmd == "ulimit" || cmd == "echo" || cmd == "true" || cmd == ":") {
      return;
    }
    r.steps.push_back(Step{argv, r.steps.empty() ? "" : joined_by, loop_depth_, false});
    pending_step_ = true;
    const bool ray = basename(cmd) == "ray" && argv.size() >= 2;
    if (ray && argv[1] == "start" && !r.ray_start) {
      r.ray_start = r.steps.size() - 1;
    }
    if (ray && argv[1] == "health-check" && loop_depth_ > 0) {
      for (std::size_t k = 2; k < argv.size(); ++k) {
        if (argv[k] == "--address" && k + 1 < argv.size()) {
          r.health_check_address = argv[k + 1];
        } else if (argv[k].rfind("--address=", 0) == 0) {
          r.health_check_address = argv[k].substr(10);
        }
      }
    }
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0';
  }

  void skip_blanks() {
    while (!at_end()) {
      if (peek() == ' ' || peek() == '\t') {
        ++pos_;
      } else if (peek() == '\\' && peek(1) == '\n') {
        pos_ += 2;
      } else {
        break;
      }
    }
  }

  // Reads words up to an operator; returns the operator ("" at the end).
  std::string read_command(std::vector<Word>& words) {
    while (true) {
      skip_blanks();
      if (at_end()) {
        return "";
      }
      const char c = peek();
      if (c == '#') {
        while (!at_end() && peek() != '\n') {
          ++pos_;
        }
        continue;
      }
      if (c == '\n' || c == ';') {
        ++pos_;
        if (c == ';' && peek() == ';') {
          unsupported_ = "`;;`";
        }
        if (words.empty()) {
          continue;  // empty commands between separators
        }
        return c == '\n' ? "\n" : ";";
      }
      if (c == '&' && peek(1) == '&') {
        pos_ += 2;
        return "&&";
      }
      if (c == '|' && peek(1) == '|') {
        pos_ += 2;
        return "||";
      }
      if (c == '&' && peek(1) == '>') {
        ++pos_;
        skip_redirection();
        continue;
      }
      if (c == '&' || c == '|') {
        ++pos_;
        return std::string(1, c);
      }
      if (c == '(' && peek(1) == '(' && only_keywords(words)) {
        // (( arithmetic )): a condition; nothing to run.
        const std::size_t close = s_.find("))", pos_ + 2);
        if (close == std::string::npos) {
          unsupported_ = "an unterminated `((`";
          return "";
        }
        pos_ = close + 2;
        continue;
      }
      if (c == '(' || c == ')') {
        ++pos_;
        if (!words.empty()) {
          return ";";
        }
        continue;
      }
      if (c == '<' || c == '>') {
        skip_redirection();
        continue;
      }
      Word w = read_word();
      if (!unsupported_.empty()) {
        return "";
      }
      // A word of digits right before a redirection is its file descriptor.
      if ((peek() == '<' || peek() == '>') && !w.quoted && !w.text.empty() &&
          std::all_of(w.text.begin(), w.text.end(),
                      [](char d) { return std::isdigit(static_cast<unsigned char>(d)); })) {
        skip_redirection();
        continue;
      }
      if (w.any) {
        words.push_back(std::move(w));
      }
    }
  }

  // Whether `words` are reserved words only (`if`, `while` ...), so that
  // what follows starts a command.
  static bool only_keywords(const std::vector<Word>& words) {
    return std::all_of(words.begin(), words.end(), [](const Word& w) {
      static const std::set<std::string> k_words = {"if",   "elif", "while", "until",
                                                    "then", "do",   "else",  "!"};
      return !w.quoted && k_words.count(w.text) > 0;
    });
  }

  void skip_redirection() {
    // The operator: <, >, >>, <&, >&, >|, <>, <<
    if (peek() == '<' && peek(1) == '<') {
      unsupported_ = "a here-document";
      pos_ = s_.size();
      return;
    }
    ++pos_;
    if (peek() == '>' || peek() == '&' || peek() == '|') {
      ++pos_;
    }
    skip_blanks();
    read_word();  // the target, discarded
  }

  bool word_end(char c) const {
    return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
           c == ')' || c == '<' || c == '>';
  }

  Word read_word() {
    Word w;
    while (!at_end() && unsupported_.empty()) {
      const char c = peek();
      if (word_end(c)) {
        break;
      }
      if (c == '\\') {
        if (peek(1) == '\n') {
          pos_ += 2;
          continue;
        }
        if (pos_ + 1 < s_.size()) {
          w.add(s_[pos_ + 1], false);
        }
        w.quoted = true;
        pos_ += 2;
      } else if (c == '\'') {
        const std::size_t close = s_.find('\'', pos_ + 1);
        if (close == std::string::npos) {
          unsupported_ = "an unterminated single quote";
          break;
        }
        for (std::size_t k = pos_ + 1; k < close; ++k) {
          w.add(s_[k], false);
        }
        w.quoted = true;
        pos_ = close + 1;
      } else if (c == '"') {
        ++pos_;
        w.quoted = true;
        bool closed = false;
        while (!at_end() && unsupported_.empty()) {
          const char d = peek();
          if (d == '"') {
            ++pos_;
            closed = true;
            break;
          }
          if (d == '\\' && std::string("$`\"\\\n").find(peek(1)) != std::string::npos &&
              pos_ + 1 < s_.size()) {
            if (peek(1) != '\n') {
              w.add(peek(1), false);
            }
            pos_ += 2;
          } else if (d == '$') {
            expand(w, false);
          } else if (d == '`') {
            unsupported_ = "a backquoted command substitution";
          } else {
            w.add(d, false);
            ++pos_;
          }
        }
        if (!closed && unsupported_.empty()) {
          unsupported_ = "an unterminated double quote";
        }
      } else if (c == '$') {
        expand(w, true);
      } else if (c == '`') {
        unsupported_ = "a backquoted command substitution";
      } else {
        w.add(c, false);
        ++pos_;
      }
    }
    w.any = w.any || w.quoted;
    return w;
  }

  // At a `$`: parameter expansion. Unset variables expand to nothing.
  void expand(Word& w, bool split) {
    const char n = peek(1);
    std::string value;
    if (n == '(') {
      unsupported_ = "a $(...) command substitution";
      return;
    }
    if (n == '{') {
      const std::size_t close = s_.find('}', pos_ + 2);
      if (close == std::string::npos) {
        unsupported_ = "an unterminated ${";
        return;
      }
      std::string inner = s_.substr(pos_ + 2, close - pos_ - 2);
      pos_ = close + 1;
      std::string fallback;
      bool has_fallback = false;
      if (const auto dash = inner.find(":-"); dash != std::string::npos) {
        fallback = inner.substr(dash + 2);
        inner = inner.substr(0, dash);
        has_fallback = true;
      }
      if (inner.empty() || !is_name_start(inner[0]) ||
          !std::all_of(inner.begin(), inner.end(), is_name_char)) {
        unsupported_ = "${" + inner + "}";
        return;
      }
      const auto found = env_.find(inner);
      value = found != env_.end() ? found->second : "";
      if (has_fallback && value.empty()) {
        value = fallback;
      }
    } else if (is_name_start(n)) {
      std::size_t end = pos_ + 1;
      while (end < s_.size() && is_name_char(s_[end])) {
        ++end;
      }
      const auto found = env_.find(s_.substr(pos_ + 1, end - pos_ - 1));
      value = found != env_.end() ? found->second : "";
      pos_ = end;
    } else if (std::isdigit(static_cast<unsigned char>(n)) ||
               std::string("?#@*$!-").find(n) != std::string::npos) {
      // Positional and special parameters: none are set for a -c script
      // without arguments; `$?` is 0 and `$$`/`$!` are process ids nobody
      // here reads.
      value = n == '?' || n == '#' ? "0" : "";
      pos_ += 2;
    } else {
      w.add('$', false);
      ++pos_;
      return;
    }
    for (const char c : value) {
      w.add(c, split);
    }
    w.any = true;
  }

  const std::string& s_;
  std::size_t pos_ = 0;
  Env env_;
  int loop_depth_ = 0;
  bool pending_step_ = false;
  std::string unsupported_;
};

bool is_shell(const std::string& path) {
  const std::string b = basename(path);
  return b == "sh" || b == "bash" || b == "dash";
}

}  // namespace

const std::vector<std::string>* Run::ray_start_argv() const {
  return ray_start ? &steps[*ray_start].argv : nullptr;
}

bool Run::runs_after_ray_start() const {
  if (!ray_start) {
    return false;
  }
  if (steps[*ray_start].background) {
    return *ray_start + 1 < steps.size();
  }
  for (std::size_t i = *ray_start + 1; i < steps.size(); ++i) {
    // `ray start ... || x` runs x only when ray start fails; `&&`, `;`, `|`
    // and `&` run what follows (after a successful return for `&&`).
    if (steps[i].joined_by != "||") {
      return true;
    }
  }
  return false;
}

Run read_argv(const std::vector<std::string>& argv, const Env& env) {
  Run r;
  if (argv.empty()) {
    r.unsupported = "an empty command";
    return r;
  }
  if (is_shell(argv[0])) {
    // bash [options] -c [--] SCRIPT [$0 [$1 ...]]: options are read until
    // `--` or the first word that is not an option; -c takes the script
    // from the first non-option word (bash -c, -lc, -cl, -ec ...).
    bool c_mode = false;
    std::size_t i = 1;
    for (; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "--") {
        ++i;
        break;
      }
      if (a.size() < 2 || (a[0] != '-' && a[0] != '+')) {
        break;
      }
      if (a.rfind("--", 0) == 0) {
        continue;  // --login, --norc, --noprofile ...
      }
      if (a.find('c') != std::string::npos && a[0] == '-') {
        c_mode = true;
      }
      if (a == "-o" || a == "+o" || a == "-O" || a == "+O") {
        ++i;  // takes an argument
      }
    }
    if (!c_mode || i >= argv.size()) {
      r.shell = true;
      r.unsupported = c_mode ? "-c without a script" : "a script file";
      return r;
    }
    Shell shell(argv[i], env);
    return shell.run();
  }
  r.steps.push_back(Step{argv, "", 0, false});
  if (basename(argv[0]) == "ray" && argv.size() >= 2 && argv[1] == "start") {
    r.ray_start = 0;
  }
  return r;
}

Run read_container(const Json& container, const Env& base, const Env& from_sources) {
  const Env env = container_env(container, base, from_sources);
  return read_argv(container_argv(container, env), env);
}

// ---- 3. ray start's options --------------------------------------------

namespace {

enum class Kind { flag, string, integer, boolean, count, choice };

struct Option {
  const char* name;
  Kind kind;
  const char* choices = nullptr;  // Kind::choice: "auto|record|pretty"
};

// The options of `ray start` (python/ray/scripts/scripts.py: start and
// add_click_logging_options in python/ray/autoscaler/_private/cli_logger.py),
// hidden ones included: click accepts them all. The resource-isolation
// options are the 2.5x ones (absent from some earlier releases).
const std::array k_options = {
    Option{"--node-ip-address", Kind::string},
    Option{"--address", Kind::string},
    Option{"--port", Kind::integer},
    Option{"--node-name", Kind::string},
    Option{"--redis-username", Kind::string},
    Option{"--redis-password", Kind::string},
    Option{"--redis-shard-ports", Kind::string},
    Option{"--object-manager-port", Kind::integer},
    Option{"--node-manager-port", Kind::integer},
    Option{"--gcs-server-port", Kind::integer},
    Option{"--min-worker-port", Kind::integer},
    Option{"--max-worker-port", Kind::integer},
    Option{"--worker-port-list", Kind::string},
    Option{"--ray-client-server-port", Kind::integer},
    Option{"--memory", Kind::integer},
    Option{"--object-store-memory", Kind::integer},
    Option{"--redis-max-memory", Kind::integer},
    Option{"--num-cpus", Kind::integer},
    Option{"--num-gpus", Kind::integer},
    Option{"--resources", Kind::string},
    Option{"--head", Kind::flag},
    Option{"--include-dashboard", Kind::boolean},
    Option{"--dashboard-host", Kind::string},
    Option{"--dashboard-port", Kind::integer},
    Option{"--dashboard-agent-listen-port", Kind::integer},
    Option{"--dashboard-agent-grpc-port", Kind::integer},
    Option{"--dashboard-grpc-port", Kind::integer},
    Option{"--runtime-env-agent-port", Kind::integer},
    Option{"--block", Kind::flag},
    Option{"--plasma-directory", Kind::string},
    Option{"--autoscaling-config", Kind::string},
    Option{"--no-redirect-output", Kind::flag},
    Option{"--plasma-store-socket-name", Kind::string},
    Option{"--raylet-socket-name", Kind::string},
    Option{"--temp-dir", Kind::string},
    Option{"--storage", Kind::string},
    Option{"--system-config", Kind::string},
    Option{"--enable-object-reconstruction", Kind::flag},
    Option{"--metrics-export-port", Kind::integer},
    Option{"--no-monitor", Kind::flag},
    Option{"--tracing-startup-hook", Kind::string},
    Option{"--ray-debugger-external", Kind::flag},
    Option{"--disable-usage-stats", Kind::flag},
    Option{"--labels", Kind::string},
    Option{"--labels-file", Kind::string},
    Option{"--include-log-monitor", Kind::boolean},
    Option{"--enable-resource-isolation", Kind::flag},
    Option{"--cgroup-path", Kind::string},
    Option{"--system-reserved-cpu", Kind::string},
    Option{"--system-reserved-memory", Kind::integer},
    Option{"--log-style", Kind::choice, "auto|record|pretty"},
    Option{"--log-color", Kind::choice, "auto|false|true"},
    Option{"--verbose", Kind::count},
    Option{"--help", Kind::flag},
};

const Option* find_option(const std::string& name) {
  for (const auto& o : k_options) {
    if (name == o.name) {
      return &o;
    }
  }
  return nullptr;
}

// Python's repr() of a str, for click's messages ('1.5', "it's").
std::string py_repr(const std::string& s) {
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out(1, q);
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == q) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + q;
}

// Python's int(str): surrounding whitespace, a sign, decimal digits with
// single underscores between them.
std::optional<long long> py_int(const std::string& raw) {
  const auto b = raw.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) {
    return std::nullopt;
  }
  const auto e = raw.find_last_not_of(" \t\n\r\f\v");
  std::string s = raw.substr(b, e - b + 1);
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (i == 0 || i + 1 == s.size() || s[i + 1] == '_') {
        return std::nullopt;
      }
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      return std::nullopt;
    }
    digits += s[i];
  }
  if (digits.empty() || digits.size() > 18) {
    return std::nullopt;  // (Python has no limit; 18 digits are plenty here)
  }
  const long long v = std::stoll(digits);
  return neg ? -v : v;
}

// click.BOOL (click/types.py: BoolParamType).
std::optional<bool> click_bool(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\n"));
  s.erase(s.find_last_not_of(" \t\n") + 1);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "1" || s == "true" || s == "t" || s == "yes" || s == "y" || s == "on") {
    return true;
  }
  if (s == "0" || s == "false" || s == "f" || s == "no" || s == "n" || s == "off") {
    return false;
  }
  return std::nullopt;
}

// difflib.SequenceMatcher(None, a, b).ratio() without junk (the strings are
// far below autojunk's 200 characters).
std::size_t matching(const std::string& a,
                     std::size_t alo,
                     std::size_t ahi,
                     const std::string& b,
                     std::size_t blo,
                     std::size_t bhi) {
  std::size_t best = 0;
  std::size_t bi = 0;
  std::size_t bj = 0;
  for (std::size_t i = alo; i < ahi; ++i) {
    for (std::size_t j = blo; j < bhi; ++j) {
      std::size_t k = 0;
      while (i + k < ahi && j + k < bhi && a[i + k] == b[j + k]) {
        ++k;
      }
      if (k > best) {
        best = k;
        bi = i;
        bj = j;
      }
    }
  }
  if (best == 0) {
    return 0;
  }
  return best + matching(a, alo, bi, b, blo, bj) + matching(a, bi + best, ahi, b, bj + best, bhi);
}

double ratio(const std::string& a, const std::string& b) {
  const std::size_t total = a.size() + b.size();
  return total == 0 ? 1.0
                    : 2.0 * static_cast<double>(matching(a, 0, a.size(), b, 0, b.size())) /
                          static_cast<double>(total);
}

// click/parser.py: _match_long_opt with difflib.get_close_matches (n=3,
// cutoff=0.6), click/exceptions.py: NoSuchOption.format_message.
std::string no_such_option(const std::string& name) {
  std::vector<std::pair<double, std::string>> scored;
  for (const auto& o : k_options) {
    const double r = ratio(name, o.name);
    if (r >= 0.6) {
      scored.emplace_back(r, o.name);
    }
  }
  std::sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first > y.first : x.second > y.second;
  });
  if (scored.size() > 3) {
    scored.resize(3);
  }
  std::vector<std::string> names;
  for (const auto& s : scored) {
    names.push_back(s.second);
  }
  std::sort(names.begin(), names.end());
  std::string msg = "No such option: " + name;
  if (names.size() == 1) {
    msg += " Did you mean " + names[0] + "?";
  } else if (names.size() > 1) {
    msg += " (Possible options: ";
    for (std::size_t i = 0; i < names.size(); ++i) {
      msg += (i ? ", " : "") + names[i];
    }
    msg += ")";
  }
  return msg;
}

// click/exceptions.py: UsageError.show — to stderr, exit code 2.
Failure usage_error(const std::string& message) {
  return Failure{
      2,
      {},
      {"Usage: ray start [OPTIONS]", "Try 'ray start --help' for help.", "", "Error: " + message}};
}

// cli_logger.abort in record style (cli_logger.py: CliLogger.abort): the
// formatted message as a PANIC line on stderr, then click.ClickException
// with the unformatted template, which click prints as "Error: <template>"
// (exit code 1). Read from the code, not observed.
Failure abort(const std::string& ts,
              int line,
              const std::string& message,
              const std::string& tmpl,
              std::vector<std::string> stdout_lines = {}) {
  return Failure{1,
                 std::move(stdout_lines),
                 {record(ts, "PANIC", "scripts.py", line, message), "Error: " + tmpl}};
}

// Label values in KubeRay's `k1=v1,k2=v2` form, or Ray's JSON object
// (python/ray/_private/utils.py: parse_node_labels_json).
std::optional<std::string> parse_labels(const std::string& text, Json& out) {
  const auto b = text.find_first_not_of(" \t");
  if (b != std::string::npos && text[b] == '{') {
    const Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      return "Expecting value";
    }
    for (const auto& [k, v] : j.items()) {
      if (!v.is_string()) {
        return "The value of the \"" + k + "\" is not string type";
      }
    }
    out = j;
  } else if (b != std::string::npos) {
    std::size_t start = 0;
    while (start <= text.size()) {
      const auto comma = text.find(',', start);
      const std::string pair =
          text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      const auto eq = pair.find('=');
      if (eq == std::string::npos) {
        return "Label string is not a key-value pair";
      }
      out[pair.substr(0, eq)] = pair.substr(eq + 1);
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
    // The k=v form is newer; the Ray that reads it takes ray.io/ keys
    // (KubeRay's ray-cluster-label-selector sample sets ray.io/region).
    return std::nullopt;
  }
  for (const auto& [k, v] : out.items()) {
    if (k.rfind("ray.io/", 0) == 0) {
      return "Custom label keys `" + k +
             "` cannot start with the prefix `ray.io/`. This is reserved for Ray defined labels.";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<long long> StartOptions::client_server_port(bool client_deps) const {
  if (ray_client_server_port) {
    return ray_client_server_port;
  }
  if (head && client_deps) {
    return k_default_client_server_port;
  }
  return std::nullopt;
}

Outcome<StartOptions> parse_start(const std::vector<std::string>& argv, const std::string& ts) {
  std::size_t i = 0;
  if (i < argv.size() && basename(argv[i]) == "ray") {
    ++i;
  }
  if (i < argv.size() && argv[i] == "start") {
    ++i;
  }
  // Parse (click/parser.py: OptionParser): options in order, a value from
  // `--opt=value` or the next argument whatever it looks like.
  std::vector<std::pair<const Option*, std::string>> given;
  std::vector<std::string> extra;
  bool only_args = false;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_args || a.size() < 2 || a[0] != '-') {
      extra.push_back(a);
      continue;
    }
    if (a == "--") {
      only_args = true;
      continue;
    }
    if (a[1] != '-') {
      // Short options: only -v (--verbose) exists; clusters like -vv count.
      for (std::size_t k = 1; k < a.size(); ++k) {
        if (a[k] != 'v') {
          return tl::unexpected(usage_error(no_such_option(std::string("-") + a[k])));
        }
        given.emplace_back(find_option("--verbose"), "");
      }
      continue;
    }
    const auto eq = a.find('=');
    const std::string name = a.substr(0, eq);
    const Option* o = find_option(name);
    if (o == nullptr) {
      return tl::unexpected(usage_error(no_such_option(name)));
    }
    const bool takes_value = o->kind != Kind::flag && o->kind != Kind::count;
    if (!takes_value) {
      if (eq != std::string::npos) {
        return tl::unexpected(usage_error("Option '" + name + "' does not take a value."));
      }
      given.emplace_back(o, "");
      continue;
    }
    if (eq != std::string::npos) {
      given.emplace_back(o, a.substr(eq + 1));
    } else if (i + 1 < argv.size()) {
      given.emplace_back(o, argv[++i]);
    } else {
      return tl::unexpected(usage_error("Option '" + name + "' requires an argument."));
    }
  }
  for (const auto& [o, v] : given) {
    if (std::string(o->name) == "--help") {
      // Help goes to stdout with exit code 0; its text is not reproduced.
      return tl::unexpected(Failure{0, {"Usage: ray start [OPTIONS]"}, {}});
    }
  }
  // Convert (click/core.py: Command.parse_args processes the parameters in
  // the order they appeared; the last value of an option wins).
  StartOptions opts;
  std::map<std::string, long long> ints;
  for (const auto& [o, v] : given) {
    const std::string name = o->name;
    if (o->kind == Kind::integer) {
      const auto n = py_int(v);
      if (!n) {
        return tl::unexpected(usage_error("Invalid value for '" + name + "': " + py_repr(v) +
                                          " is not a valid integer."));
      }
      ints[name] = *n;
    } else if (o->kind == Kind::boolean && !click_bool(v)) {
      return tl::unexpected(usage_error("Invalid value for '" + name + "': " + py_repr(v) +
                                        " is not a valid boolean."));
    } else if (o->kind == Kind::choice) {
      const std::string choices = o->choices;
      std::vector<std::string> list;
      for (std::size_t s = 0; s <= choices.size();) {
        const auto bar = choices.find('|', s);
        list.push_back(choices.substr(s, bar == std::string::npos ? std::string::npos : bar - s));
        s = bar == std::string::npos ? choices.size() + 1 : bar + 1;
      }
      if (std::find(list.begin(), list.end(), v) == list.end()) {
        std::string quoted;
        for (std::size_t k = 0; k < list.size(); ++k) {
          quoted += (k ? ", " : "") + py_repr(list[k]);
        }
        return tl::unexpected(usage_error("Invalid value for '" + name + "': " + py_repr(v) +
                                          " is not one of " + quoted + "."));
      }
    }
    opts.given[name.substr(2)] = v;
  }
  if (!extra.empty()) {
    std::string joined;
    for (std::size_t k = 0; k < extra.size(); ++k) {
      joined += (k ? " " : "") + extra[k];
    }
    return tl::unexpected(
        usage_error(std::string(extra.size() == 1 ? "Got unexpected extra argument ("
                                                  : "Got unexpected extra arguments (") +
                    joined + ")"));
  }
  auto str = [&](const char* key) -> std::optional<std::string> {
    const auto found = opts.given.find(key);
    return found == opts.given.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
  auto num = [&](const char* key) -> std::optional<long long> {
    const auto found = ints.find(std::string("--") + key);
    return found == ints.end() ? std::nullopt : std::optional<long long>(found->second);
  };
  opts.head = str("head").has_value();
  opts.block = str("block").has_value();
  opts.no_monitor = str("no-monitor").has_value();
  opts.disable_usage_stats = str("disable-usage-stats").has_value();
  opts.address = str("address");
  opts.port = num("port");
  opts.num_cpus = num("num-cpus");
  opts.num_gpus = num("num-gpus");
  opts.memory = num("memory");
  opts.object_store_memory = num("object-store-memory");
  opts.metrics_export_port = num("metrics-export-port");
  opts.ray_client_server_port = num("ray-client-server-port");
  opts.node_ip_address = str("node-ip-address");
  if (auto h = str("dashboard-host")) {
    opts.dashboard_host = *h;
  }
  opts.dashboard_port = num("dashboard-port").value_or(k_default_dashboard_port);
  opts.dashboard_agent_listen_port =
      num("dashboard-agent-listen-port").value_or(k_default_agent_listen_port);
  if (auto d = str("include-dashboard")) {
    opts.include_dashboard = click_bool(*d);
  }
  // scripts.py: start, in its order.
  if (str("gcs-server-port")) {
    opts.notes.emplace_back("ERR",
                            "`--gcs-server-port` is deprecated and ignored. Use --port to specify "
                            "GCS server port on head node.");
  }
  // python/ray/_private/utils.py: parse_resources_json — json.loads, and a
  // dict; an ERR line (stdout) and an abort, as parse_metadata_json in the
  // same file does (the --resources wording of both lines is UNVERIFIED).
  // cli_logger names the caller's file (utils.py). The detail after "detail
  // error:" is Python's json message; only its gist is reproduced here.
  const std::string resources_text = str("resources").value_or("{}");
  const Json parsed = Json::parse(resources_text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    const std::string detail = parsed.is_discarded()
                                   ? "Expecting value: line 1 column 1 (char 0)"
                                   : "The format after deserialization is not a dict";
    return tl::unexpected(
        Failure{1,
                {record(ts, "ERR", "utils.py", 1374,
                        "`--resources=" + resources_text +
                            "` is not a valid JSON string, detail error:" + detail)},
                {record(ts, "PANIC", "utils.py", 1379,
                        "Valid values look like this: `--resources='{\"CustomResource3\": 1, "
                        "\"CustomResource2\": 2}'`"),
                 "Error: Valid values look like this: `{}`"}});
  }
  opts.resources = parsed;
  if (auto l = str("labels")) {
    if (auto err = parse_labels(*l, opts.labels)) {
      return tl::unexpected(
          Failure{1,
                  {},
                  {record(ts, "PANIC", "utils.py", 1403,
                          "`--labels=" + *l + "` is not a valid JSON string, detail error:" + *err +
                              "Valid values look like this: `--labels='{\"gpu_type\": \"A100\", "
                              "\"region\": \"us\"}'`"),
                   "Error: `{}` is not a valid JSON string, detail error:{}Valid values look like "
                   "this: `{}`"}});
    }
  }
  if (auto t = str("temp-dir"); t && !opts.head) {
    opts.notes.emplace_back(
        "WARN", "`--temp-dir=" + *t +
                    "` option will be ignored. `--head` is a required flag to use `--temp-dir`. "
                    "temp_dir is only configurable from a head node. All the worker nodes will "
                    "use the same temp_dir as a head node. ");
  }
  if (!opts.head) {
    if (!opts.address) {
      return tl::unexpected(abort(
          ts, 1036, "`--address` is a required flag unless starting a head node with `--head`.",
          "`{}` is a required flag unless starting a head node with `{}`."));
    }
    for (const char* flag : {"port", "redis-shard-ports", "include-dashboard"}) {
      if (str(flag)) {
        return tl::unexpected(
            abort(ts, 1051,
                  std::string("`--") + flag +
                      "` should only be specified when starting head node with `--head`.",
                  "`{}` should only be specified when starting head node with `{}`."));
      }
    }
    if (str("system-config")) {
      return tl::unexpected(
          Failure{1,
                  {},
                  {"Traceback (most recent call last):",
                   "ValueError: System config parameters can only be set on the head node."}});
    }
  }
  return opts;
}

// ---- 4. Resources and output -------------------------------------------

namespace {

// Python's repr() of a float (shortest round trip, always with a point).
std::string py_float(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e16) {
    return std::to_string(static_cast<long long>(v)) + ".0";
  }
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), res.ptr);
}

std::string py_number(const Json& v) {
  return v.is_number_float() ? py_float(v.get<double>()) : v.dump();
}

std::string py_dict(const Json& d) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : d.items()) {
    out += (first ? "" : ", ") + py_repr(k) + ": " + py_number(v);
    first = false;
  }
  return out + "}";
}

Failure value_error(const std::string& type, const std::string& message) {
  // The frames of the traceback are not reproduced, only its first and
  // last lines.
  return Failure{1, {}, {"Traceback (most recent call last):", type + ": " + message}};
}

const Json& limit(const NodeFacts& f, const char* key) {
  return at(f.limits, {key});
}

}  // namespace

std::string record_timestamp(long long epoch_ms) {
  const std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d %02d:%02d:%02d,%03lld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, epoch_ms % 1000);
  return out;
}

std::string record(const std::string& ts,
                   const std::string& level,
                   const std::string& file,
                   int line,
                   const std::string& message) {
  return ts + "\t" + level + " " + file + ":" + std::to_string(line) + " -- " + message;
}

Outcome<NodeResources> node_resources(const StartOptions& o,
                                      const NodeFacts& f,
                                      const std::string& ts) {
  NodeResources out;
  // ResourceSpec.resolve: reserved names first.
  Json custom = o.resources;
  for (const char* reserved : {"CPU", "GPU", "memory", "object_store_memory"}) {
    if (custom.contains(reserved)) {
      return tl::unexpected(value_error("AssertionError", py_dict(custom)));
    }
  }
  if (custom.contains("node:__internal_head__")) {
    return tl::unexpected(value_error(
        "ValueError",
        "node:__internal_head__ is a reserved resource name, use another name instead."));
  }
  custom["node:" + f.node_ip] = 1.0;
  if (o.head) {
    custom["node:__internal_head__"] = 1.0;
  }
  // CPUs: utils.get_num_cpus — the cgroup quota (the CPU limit) when there is
  // one, truncated to an integer; else the host's cores.
  long long cpus = 0;
  if (o.num_cpus) {
    cpus = *o.num_cpus;
  } else if (const Json& l = limit(f, "cpu"); !l.is_null()) {
    const auto q = quantity_of(l);
    const double quota = q ? quantity_float(*q) : static_cast<double>(f.host_cpus);
    cpus = static_cast<long long>(quota);
    if (static_cast<double>(cpus) != quota) {
      out.warnings.push_back(record(ts, "WARNING", "utils.py", 593,
                                    "Ray currently does not support initializing Ray with "
                                    "fractional cpus. Your num_cpus will be truncated from " +
                                        py_float(quota) + " to " + std::to_string(cpus) + "."));
    }
  } else {
    cpus = f.host_cpus;
  }
  // GPUs: --num-gpus, else what NVML sees: the GPUs the device plugin gave
  // the container (its nvidia.com/gpu limit).
  long long gpus = 0;
  if (o.num_gpus) {
    gpus = *o.num_gpus;
  } else if (const Json& l = limit(f, "nvidia.com/gpu"); !l.is_null()) {
    if (const auto q = quantity_of(l)) {
      gpus = quantity_value(*q);
    }
  }
  if (gpus > 0 && !f.gpu_name.empty()) {
    // nvidia_gpu.py: NvidiaGPUAcceleratorManager.get_current_node_accelerator_type.
    static const std::regex k_type(R"(\w+\s+([A-Z0-9]+))");
    std::smatch m;
    if (std::regex_search(f.gpu_name, m, k_type)) {
      custom["accelerator_type:" + m[1].str()] = 1;
    }
  }
  // Memory: utils.get_system_memory (the cgroup limit, else the host),
  // estimate_available_memory; the object store takes 30 % of what is
  // available, capped at 200 GB and at max(10 GB, 95 % of /dev/shm).
  long long system = f.host_memory;
  if (const Json& l = limit(f, "memory"); !l.is_null()) {
    if (const auto q = quantity_of(l)) {
      system = std::min(system, quantity_value(*q));
    }
  }
  const long long avail = system - f.used_memory;
  long long store = 0;
  if (o.object_store_memory) {
    store = *o.object_store_memory;
  } else {
    store = static_cast<long long>(static_cast<double>(avail) * 0.3);
    const double cap = std::min(200e9, std::max(10e9, static_cast<double>(f.shm_bytes) * 0.95));
    if (static_cast<double>(store) > cap) {
      store = static_cast<long long>(cap);
    }
  }
  long long memory = 0;
  if (o.memory) {
    memory = *o.memory;
  } else {
    memory = avail - store;
    if (static_cast<double>(memory) < 100e6 &&
        static_cast<double>(memory) < 0.05 * static_cast<double>(system)) {
      std::array<char, 32> gb{};
      std::snprintf(gb.data(), gb.size(), "%.2f", static_cast<double>(memory) / 1e9);
      std::string g = gb.data();
      while (g.size() > 3 && g.back() == '0') {
        g.pop_back();  // Python's round(x, 2) prints 0.1, not 0.10
      }
      return tl::unexpected(
          value_error("ValueError",
                      "After taking into account object store and redis memory usage, the amount "
                      "of memory on this node "
                      "available for tasks and actors (" +
                          g + " GB) is less than " +
                          std::to_string(static_cast<int>(100.0 * static_cast<double>(memory) /
                                                          static_cast<double>(system))) +
                          "% of total. You can adjust these settings with ray.init(memory=<bytes>, "
                          "object_store_memory=<bytes>)."));
    }
  }
  // ResourceSpec.to_resource_dict: custom, then CPU, GPU, memory,
  // object_store_memory; zeros left out; whole, nonnegative, at most 1e14.
  Json all = custom;
  all["CPU"] = cpus;
  all["GPU"] = gpus;
  all["memory"] = memory;
  all["object_store_memory"] = store;
  Json kept = Json::object();
  for (const auto& [k, v] : all.items()) {
    if (!v.is_number() || v.get<double>() != 0) {
      kept[k] = v;
    }
  }
  for (const auto& [k, v] : kept.items()) {
    if (!v.is_number()) {
      return tl::unexpected(value_error(
          "AssertionError", k + " (<class '" + std::string(v.is_string() ? "str" : "object") +
                                "'>): " + (v.is_string() ? v.get<std::string>() : v.dump())));
    }
    const double d = v.get<double>();
    if (d != std::floor(d)) {
      return tl::unexpected(value_error(
          "ValueError", "Resource quantities must all be whole numbers. Violated by resource '" +
                            k + "' in " + py_dict(kept) + "."));
    }
    if (d < 0) {
      return tl::unexpected(value_error(
          "ValueError", "Resource quantities must be nonnegative. Violated by resource '" + k +
                            "' in " + py_dict(kept) + "."));
    }
    if (d > 1e14) {
      return tl::unexpected(value_error(
          "ValueError",
          "Resource quantities must be at most 100000000000000.0. Violated by resource '" + k +
              "' in " + py_dict(kept) + "."));
    }
  }
  out.resources = kept;
  return out;
}

namespace {

// Line numbers of 2.49's scripts.py (observed: "scripts.py:950 -- Ray
// runtime started."); the others are placeholders near it. Do not match
// on them.
constexpr int k_line_started = 950;

bool version_at_least(const std::string& v, int major, int minor) {
  int a = 0;
  int b = 0;
  if (std::sscanf(v.c_str(), "%d.%d", &a, &b) != 2) {
    return true;
  }
  return a > major || (a == major && b >= minor);
}

void started(std::vector<std::string>& out, const std::string& ts) {
  const std::string dashes(20, '-');  // "-" * len("Ray runtime started.")
  out.push_back(record(ts, "SUCC", "scripts.py", k_line_started - 1, dashes));
  out.push_back(record(ts, "SUCC", "scripts.py", k_line_started, "Ray runtime started."));
  out.push_back(record(ts, "SUCC", "scripts.py", k_line_started + 1, dashes));
}

void block_group(std::vector<std::string>& out, const std::string& ts) {
  out.push_back(record(ts, "INFO", "scripts.py", 1201, "--block"));
  out.push_back(record(ts, "INFO", "scripts.py", 1202,
                       "This command will now block forever until terminated by a signal."));
  out.push_back(record(
      ts, "INFO", "scripts.py", 1205,
      "Running subprocesses are monitored and a message will be printed if any of them terminate "
      "unexpectedly. Subprocesses exit with SIGTERM will be treated as graceful, thus NOT "
      "reported."));
}

}  // namespace

std::vector<std::string> head_started_lines(const StartOptions& o,
                                            const std::string& ip,
                                            const std::string& ts,
                                            const std::string& ray_version) {
  std::vector<std::string> out;
  for (const auto& [level, message] : o.notes) {
    out.push_back(record(ts, level, "scripts.py", 700, message));
  }
  // python/ray/_private/usage/usage_lib.py: show_usage_stats_prompt.
  out.push_back(record(
      ts, "INFO", "usage_lib.py", 467,
      o.disable_usage_stats
          ? "Usage stats collection is disabled."
          : "Usage stats collection is enabled by default without user confirmation because this "
            "terminal is detected to be non-interactive. To disable this, add "
            "`--disable-usage-stats` "
            "to the command that starts the cluster, or run the following command: `ray "
            "disable-usage-stats` before starting the cluster. See "
            "https://docs.ray.io/en/master/cluster/usage-stats.html for more details."));
  out.push_back(record(ts, "INFO", "scripts.py", 865, "Local node IP: " + ip));
  started(out, ts);
  const std::string gcs = ip + ":" + std::to_string(o.gcs_port());
  out.push_back(record(ts, "INFO", "scripts.py", 955, "Next steps"));
  out.push_back(
      record(ts, "INFO", "scripts.py", 958, "To add another node to this Ray cluster, run"));
  out.push_back(record(ts, "INFO", "scripts.py", 961, "  ray start --address='" + gcs + "'"));
  out.push_back(record(ts, "INFO", "scripts.py", 970, "To connect to this Ray cluster:"));
  out.push_back(record(ts, "INFO", "scripts.py", 972, "import ray"));
  out.push_back(record(ts, "INFO", "scripts.py", 973,
                       o.node_ip_address ? "ray.init(_node_ip_address='" + *o.node_ip_address + "')"
                                         : "ray.init()"));
  // The dashboard's URL: its host, or the node IP when it listens on all
  // interfaces (python/ray/_private/node.py: webui_url).
  const std::string host = o.dashboard_host == "0.0.0.0" ? ip : o.dashboard_host;
  const std::string url = host + ":" + std::to_string(o.dashboard_port);
  if (o.dashboard()) {
    const std::string var =
        version_at_least(ray_version, 2, 49) ? "RAY_API_SERVER_ADDRESS" : "RAY_ADDRESS";
    out.push_back(
        record(ts, "INFO", "scripts.py", 981, "To submit a Ray job using the Ray Jobs CLI:"));
    out.push_back(record(ts, "INFO", "scripts.py", 982,
                         "  " + var + "='http://" + url +
                             "' ray job submit --working-dir . -- python my_script.py"));
    out.push_back(record(
        ts, "INFO", "scripts.py", 991,
        "See "
        "https://docs.ray.io/en/latest/cluster/running-applications/job-submission/index.html "));
    out.push_back(record(ts, "INFO", "scripts.py", 995,
                         "for more information on submitting Ray jobs to the Ray cluster."));
  }
  out.push_back(record(ts, "INFO", "scripts.py", 1000, "To terminate the Ray runtime, run"));
  out.push_back(record(ts, "INFO", "scripts.py", 1001, "  ray stop"));
  out.push_back(record(ts, "INFO", "scripts.py", 1004, "To view the status of the cluster, use"));
  out.push_back(record(ts, "INFO", "scripts.py", 1005, "  ray status"));
  if (o.dashboard()) {
    out.push_back(
        record(ts, "INFO", "scripts.py", 1009, "To monitor and debug Ray, view the dashboard at "));
    out.push_back(record(ts, "INFO", "scripts.py", 1010, "  " + url));
    out.push_back(record(ts, "INFO", "scripts.py", 1017,
                         "If connection to the dashboard fails, check your firewall settings and "
                         "network configuration."));
  }
  if (o.block) {
    block_group(out, ts);
  }
  return out;
}

std::vector<std::string> worker_started_lines(const StartOptions& o,
                                              const std::string& ip,
                                              const std::string& ts) {
  std::vector<std::string> out;
  for (const auto& [level, message] : o.notes) {
    out.push_back(record(ts, level, "scripts.py", 700, message));
  }
  out.push_back(record(ts, "INFO", "scripts.py", 1098, "Local node IP: " + ip));
  started(out, ts);
  out.push_back(record(ts, "INFO", "scripts.py", 1145, "To terminate the Ray runtime, run"));
  out.push_back(record(ts, "INFO", "scripts.py", 1146, "  ray stop"));
  if (o.block) {
    block_group(out, ts);
  }
  return out;
}

std::string gcs_connect_retry_line(const std::string& address,
                                   const std::string& ts,
                                   int pid,
                                   int tid) {
  // src/ray/rpc/rpc_client.h (gcs_rpc_client.h:151 in some 2025 builds).
  return "[" + ts + " W " + std::to_string(pid) + " " + std::to_string(tid) +
         "] rpc_client.h:153: Failed to connect to GCS at address " + address +
         " within 5 seconds.";
}

Failure worker_gcs_unreachable(const std::string& address) {
  (void)address;
  // python/ray/_private/node.py: Node._init_gcs_client raises after
  // NUM_REDIS_GET_RETRIES attempts. The text after "Last connection error:"
  // is UNVERIFIED (it repeats the last exception); the frames are omitted.
  return Failure{1,
                 {},
                 {"Traceback (most recent call last):",
                  "RuntimeError: Failed to connect to GCS. Last connection error: TimedOut: Timed "
                  "out while waiting "
                  "for GCS to become available."}};
}

Failure health_check_unreachable(const std::string& address,
                                 const std::string& ts,
                                 int pid,
                                 int tid) {
  // scripts.py: healthcheck exits 1 when no GCS client can be made. Its
  // output is UNVERIFIED beyond the C++ connect warning every GCS client
  // logs; KubeRay's loop hides it for the first 120 s anyway.
  return Failure{1, {}, {gcs_connect_retry_line(address, ts, pid, tid)}};
}

}  // namespace fakekube::ray
