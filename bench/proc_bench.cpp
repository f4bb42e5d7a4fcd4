// SPDX-License-Identifier: Apache-2.0
// Whole-process benchmark: runs each command many times, interleaved so
// that drift in machine load hits every command alike, and prints the
// median and mean wall time, peak RSS, and each command's ratio to the
// last one (the peer, such as `kubectl version --client`).
//
//   krayctl_proc_bench [--runs N] [--warmup N] --cmd "A ARGS" --cmd "B ARGS"
//
// A benchmark, not a test: it asserts nothing. docs/performance.md holds
// the figures and the command that produced them.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Sample {
  double ms = 0;
  long max_rss_kib = 0;
};

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) {
    out.push_back(w);
  }
  return out;
}

bool run_once(const std::vector<std::string>& argv, Sample& sample) {
  std::vector<char*> args;
  for (const auto& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(rc));
    return false;
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const auto end = std::chrono::steady_clock::now();
  sample.ms = std::chrono::duration<double, std::milli>(end - start).count();
  sample.max_rss_kib = usage.ru_maxrss;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s exited with status %d\n", args[0], status);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 100;
  int warmup = 5;
  std::vector<std::string> commands;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (a == "--warmup" && i + 1 < argc) {
      warmup = std::atoi(argv[++i]);
    } else if (a == "--cmd" && i + 1 < argc) {
      commands.emplace_back(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--runs N] [--warmup N] --cmd CMD...\n", argv[0]);
      return 2;
    }
  }
  if (commands.empty() || runs <= 0) {
    std::fprintf(stderr, "usage: %s [--runs N] [--warmup N] --cmd CMD...\n", argv[0]);
    return 2;
  }
  std::vector<std::vector<std::string>> argvs;
  for (const auto& c : commands) {
    argvs.push_back(split_words(c));
  }
  std::vector<std::vector<Sample>> samples(commands.size());
  for (int r = -warmup; r < runs; ++r) {
    for (std::size_t c = 0; c < argvs.size(); ++c) {
      Sample s;
      if (!run_once(argvs[c], s)) {
        return 1;
      }
      if (r >= 0) {
        samples[c].push_back(s);
      }
    }
  }
  std::vector<double> medians;
  std::printf("%-60s %10s %10s %10s %12s\n", "command", "median ms", "mean ms", "min ms",
              "max RSS KiB");
  for (std::size_t c = 0; c < commands.size(); ++c) {
    std::vector<double> ms;
    long rss = 0;
    for (const auto& s : samples[c]) {
      ms.push_back(s.ms);
      rss = std::max(rss, s.max_rss_kib);
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
    medians.push_back(median);
    std::printf("%-60s %10.2f %10.2f %10.2f %12ld\n", commands[c].c_str(), median, mean, ms.front(),
                rss);
  }
  if (commands.size() > 1) {
    std::printf("\nratio of medians to the last command (%s):\n", commands.back().c_str());
    for (std::size_t c = 0; c + 1 < commands.size(); ++c) {
      std::printf("  %-58s %.3f\n", commands[c].c_str(), medians[c] / medians.back());
    }
  }
  return 0;
}
