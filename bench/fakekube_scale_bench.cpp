// SPDX-License-Identifier: Apache-2.0
// The simulated cluster at scale (issue 4): fakekube holding 1,000
// RayClusters and 16,000 Pods, listed across all namespaces in pages of 500
// over HTTPS, beside kubectl listing the same through the same server. The
// stage for the `krayctl status` benchmark (issue 5).
//
//   fakekube_scale_bench [--runs N] [--populate 1000x16/50]
//
// A benchmark, not a test: it asserts nothing. docs/performance.md holds the
// figures and the command that produced them.
#include "../tests/support/fakekube/populate.hpp"
#include "../tests/support/http_client.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

long rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::size_t bytes = 0;

// Counts the Pods in a list body: each item's "kind":"Pod".
std::size_t count_items(const std::string& body) {
  std::size_t n = 0;
  for (auto at = body.find("\"kind\":\"Pod\""); at != std::string::npos;
       at = body.find("\"kind\":\"Pod\"", at + 1)) {
    ++n;
  }
  return n;
}

// Lists every Pod in pages of `limit`; returns the number of items.
std::size_t list_all(const testing::HttpClient& client, int limit) {
  std::size_t items = 0;
  std::string token;
  do {
    std::string path = "/api/v1/pods?limit=" + std::to_string(limit);
    if (!token.empty()) {
      path += "&continue=" + token;
    }
    const auto r = client.get(path);
    if (r.status != 200) {
      std::fprintf(stderr, "list failed: %ld %s\n", r.status, r.body.substr(0, 200).c_str());
      std::exit(1);
    }
    // The list's metadata comes first: read the token without parsing the
    // items, so that the figure is the server's and the transfer's, not
    // nlohmann's parse of 40 MB (measured apart below).
    bytes += r.body.size();
    const auto at = r.body.find("\"continue\":\"");
    token.clear();
    if (at != std::string::npos && at < 1024) {
      const auto start = at + 12;
      token = r.body.substr(start, r.body.find('"', start) - start);
    }
    items += count_items(r.body);
  } while (!token.empty());
  return items;
}

double run_command(const std::string& command) {
  const auto t = Clock::now();
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", command.c_str());
    std::exit(1);
  }
  return ms_since(t);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string spec = "1000x16/50";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (a == "--populate" && i + 1 < argc) {
      spec = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--runs N] [--populate CLUSTERSxPODS[/NAMESPACES]]\n",
                   argv[0]);
      return 2;
    }
  }
  auto options = fakekube::parse_populate(spec);
  if (!options || runs <= 0) {
    std::fprintf(stderr, "%s\n",
                 options ? "--runs must be positive" : options.error().message.c_str());
    return 2;
  }
  fakekube::ApiServer server;
  const long rss_before = rss_kib();
  auto t = Clock::now();
  auto created = fakekube::populate(server, *options);
  if (!created) {
    std::fprintf(stderr, "populate: %s\n", created.error().message.c_str());
    return 1;
  }
  const double populate_ms = ms_since(t);
  server.start();
  std::printf(
      "populated %d objects (%d RayClusters, %d Pods) in %.0f ms; server RSS %ld MiB "
      "(+%ld MiB)\n",
      *created, options->clusters, options->clusters * options->pods_per_cluster, populate_ms,
      rss_kib() / 1024, (rss_kib() - rss_before) / 1024);

  testing::HttpClient client(server, "admin");
  std::vector<double> paged;
  std::vector<double> whole;
  std::size_t items = 0;
  for (int r = 0; r < runs; ++r) {
    t = Clock::now();
    items = list_all(client, 500);
    paged.push_back(ms_since(t));
    t = Clock::now();
    (void)list_all(client, 0);
    whole.push_back(ms_since(t));
  }
  std::printf("%-62s %10s\n", "operation", "median ms");
  std::printf(
      "%-62s %10.1f\n",
      ("GET /api/v1/pods?limit=500, all pages (" + std::to_string(items) + " pods, libcurl)")
          .c_str(),
      median(paged));
  std::printf("%-62s %10.1f\n", "GET /api/v1/pods, one response (libcurl)", median(whole));
  {
    const auto body = client.get("/api/v1/pods").body;
    t = Clock::now();
    const auto parsed = fakekube::Json::parse(body);
    std::printf("%-62s %10.1f\n",
                ("client side: nlohmann parse of that response (" +
                 std::to_string(body.size() / 1048576) + " MiB)")
                    .c_str(),
                ms_since(t));
  }

  if (std::system("command -v kubectl >/dev/null 2>&1") == 0) {
    char dir[] = "/tmp/fakekube-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) {
      return 1;
    }
    const std::string kubeconfig = std::string(dir) + "/kubeconfig";
    std::ofstream(kubeconfig) << server.kubeconfig("admin");
    const std::string k = "kubectl --kubeconfig " + kubeconfig + " ";
    std::vector<double> pods;
    std::vector<double> clusters;
    std::vector<double> both;
    for (int r = 0; r < runs; ++r) {
      pods.push_back(run_command(k + "get pods -A -o json >/dev/null"));
      clusters.push_back(run_command(k + "get rayclusters -A -o json >/dev/null"));
      both.push_back(run_command(k + "get rayclusters,pods -A -o json >/dev/null"));
    }
    std::printf("%-62s %10.1f\n", "kubectl get pods -A -o json (pages of 500)", median(pods));
    std::printf("%-62s %10.1f\n", "kubectl get rayclusters -A -o json", median(clusters));
    std::printf("%-62s %10.1f\n", "kubectl get rayclusters,pods -A -o json", median(both));
    std::remove(kubeconfig.c_str());
    rmdir(dir);
  } else {
    std::printf("kubectl not found: no peer figures\n");
  }
  return 0;
}
