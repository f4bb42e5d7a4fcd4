// SPDX-License-Identifier: Apache-2.0
#include <krayctl/io/process.hpp>

#include <krayctl/io/file_system.hpp>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <thread>

extern char** environ;

namespace kray::io {

namespace {

using Clock = std::chrono::steady_clock;

// "1s", "1500ms": a limit as the user gave it.
std::string describe(std::chrono::milliseconds d) {
  const auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

// The milliseconds left until `deadline`, for poll(); -1: no deadline.
int poll_timeout(const std::optional<Clock::time_point>& deadline) {
  if (!deadline) {
    return -1;
  }
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// A started child: killed and reaped once, whatever path leaves run().
class Child {
 public:
  Child(pid_t pid, bool own_group) : m_pid(pid), m_own_group(own_group) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!m_reaped) {
      kill_now();
      wait_blocking();
    }
  }
  void kill_now() const {
    // The group too: `sh -c 'sleep 3600'` leaves its sleep holding our pipe.
    ::kill(m_own_group ? -m_pid : m_pid, SIGKILL);
  }
  // Waits for the exit until `deadline`; nullopt when it is still running.
  std::optional<int> wait_until(const std::optional<Clock::time_point>& deadline) {
    int status = 0;
    for (;;) {
      const pid_t r = waitpid(m_pid, &status, deadline ? WNOHANG : 0);
      if (r == m_pid) {
        m_reaped = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (r < 0 && errno != EINTR) {
        m_reaped = true;  // not ours to wait for any more
        return 128;
      }
      if (deadline && Clock::now() >= *deadline) {
        return std::nullopt;
      }
      if (deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  void wait_blocking() { (void)wait_until(std::nullopt); }

 private:
  pid_t m_pid;
  bool m_own_group;
  bool m_reaped = false;
};

}  // namespace

Result<std::string> look_path(const std::string& file, const std::string& path_env) {
  if (file.find('/') != std::string::npos) {
    return file;
  }
  // Go's lp_unix.go LookPath: each entry of filepath.SplitList(PATH) in
  // order ("" is none at all; an empty entry is "."); the first regular
  // file that is executable wins; since Go 1.19 a win in a relative entry
  // is an error (ErrDot), not a run: https://pkg.go.dev/os/exec
  // ("Executables in the current directory").
  std::string not_executable;
  std::size_t start = 0;
  while (!path_env.empty() && start <= path_env.size()) {
    const auto colon = path_env.find(':', start);
    std::string dir = path_env.substr(start, colon == std::string::npos ? colon : colon - start);
    start = colon == std::string::npos ? path_env.size() + 1 : colon + 1;
    const std::string entry = dir;
    if (dir.empty()) {
      dir = ".";
    }
    const std::string candidate = dir + "/" + file;
    struct stat st {};
    if (stat(candidate.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) {
      continue;
    }
    if (access(candidate.c_str(), X_OK) != 0) {
      not_executable = not_executable.empty() ? candidate : not_executable;
      continue;
    }
    if (dir.front() != '/') {
      return make_error(ErrorCode::config,
                        "cannot run " + file + ": found as " + candidate +
                            " through the relative PATH entry '" + entry +
                            "'; like kubectl (Go's os/exec), krayctl does not run programs found "
                            "relative to the current directory: give the command as a path, or "
                            "take relative entries out of PATH");
    }
    return candidate;
  }
  if (!not_executable.empty()) {
    return make_error(ErrorCode::io, "cannot run " + file + ": " + not_executable +
                                         " is not executable: " + std::strerror(EACCES));
  }
  return make_error(ErrorCode::not_found, "cannot run " + file + ": not found in PATH");
}

Result<ProcessResult> RealProcessRunner::run(
    const std::string& command,
    const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& env,
    bool interactive,
    RunLimits limits) {
  // Our PATH, not `env`'s, finds the program, as in Go's exec.Command.
  const char* path_env = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read only
  KRAY_TRY_ASSIGN(const std::string program,
                  look_path(command, path_env != nullptr ? path_env : ""));
  // The environment: ours, with `env` added or replacing.
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    vars[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) {
    vars[k] = v;
  }
  std::vector<std::string> env_strings;
  env_strings.reserve(vars.size());
  for (const auto& [k, v] : vars) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = {command};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return make_error(ErrorCode::io, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  if (!interactive) {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  // A plugin that reads no terminal gets a process group of its own, so
  // that a timeout kills what it started too. An interactive one stays in
  // ours: a background group may not read the terminal (SIGTTIN).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (!interactive) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    return make_error(rc == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                      "cannot run " + program + ": " + std::strerror(rc));
  }
  Child child(pid, !interactive);
  std::optional<Clock::time_point> deadline;
  if (limits.timeout.count() > 0) {
    deadline = Clock::now() + limits.timeout;
  }
  auto timed_out = [&]() {
    return make_error(ErrorCode::timeout,
                      command + " did not finish within " + describe(limits.timeout) + ": stopped");
  };
  ProcessResult result;
  char buf[65536];
  for (;;) {
    pollfd p{out[0], POLLIN, 0};
    const int ready = poll(&p, 1, poll_timeout(deadline));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready == 0) {
      if (deadline && Clock::now() >= *deadline) {
        close(out[0]);
        return timed_out();  // ~Child kills and reaps
      }
      continue;
    }
    const ssize_t n = ready < 0 ? -1 : read(out[0], buf, sizeof buf);
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      break;
    }
    if (limits.max_output > 0 &&
        result.out.size() + static_cast<std::size_t>(n) > limits.max_output) {
      close(out[0]);
      return make_error(ErrorCode::io, command + " printed more than " +
                                           describe_size(limits.max_output) +
                                           " on stdout: stopped");
    }
    result.out.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  // It closed its stdout; it may still run (`exec >&-; sleep 3600`).
  const auto code = child.wait_until(deadline);
  if (!code) {
    return timed_out();
  }
  result.exit_code = *code;
  return result;
}

bool RealProcessRunner::stdin_is_terminal() const {
  return isatty(0) != 0;
}

}  // namespace kray::io
