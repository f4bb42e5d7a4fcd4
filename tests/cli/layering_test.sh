#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The module arrows of docs/architecture.md, checked on every #include:
#   util <- core <- app <- cli <- main.cpp      util <- io <- app      core <- kube <- app
# and core stays pure: no streams, environment, clocks, threads or curl;
# outside io/ the time is read only through io::Clock.
source "$(dirname "$0")/lib.sh"

allowed() {
  case "$1" in
    util) echo "util" ;;
    core) echo "util core" ;;
    io) echo "util io" ;;
    kube) echo "util core kube" ;;
    app) echo "util core io kube app" ;;
    cli) echo "util core io kube app cli" ;;
  esac
}

for module in util core io kube app cli; do
  for f in $(find "src/$module" "include/krayctl/$module" -name '*.[ch]pp' 2>/dev/null); do
    while IFS= read -r used; do
      case " $(allowed "$module") " in
        *" $used "*) ;;
        *) fail "$f ($module) includes krayctl/$used" ;;
      esac
    done < <(sed -n 's|^#include <krayctl/\([a-z]*\)/.*|\1|p' "$f")
  done
done

for f in $(find src/core include/krayctl/core -name '*.[ch]pp'); do
  if grep -nE '#include <(iostream|fstream|thread|chrono|curl/)|getenv|std::cout|std::cerr|printf\(' "$f"; then
    fail "$f: core must not do I/O"
  fi
done
# No output outside io/ and main.cpp.
for f in $(find src/core src/app src/cli -name '*.[ch]pp'); do
  if grep -nE 'std::cout|std::cerr|[^n]printf\(|fwrite\(' "$f"; then
    fail "$f: write through io::Console"
  fi
done
# Time only through io::Clock (util::Clock in kube/): no clock read and no
# sleep outside src/io/, so that tests can drive time. Exceptions, each
# for a reason:
#   src/kube/curl_transport.cpp: inside one transfer (the deadline for a
#     stream's headers, the milliseconds a -v trace shows); no caller waits
#     on it.
#   src/kube/client.cpp: a request's retry budget (Client::call); moves to
#     the clock with the Client's constructor (issue 15, item 1).
clock_exempt="src/kube/curl_transport.cpp src/kube/client.cpp"
for f in $(find src include -name '*.[ch]pp' -not -path 'src/io/*'); do
  case " $clock_exempt " in *" $f "*) continue ;; esac
  if grep -nE '(steady_clock|system_clock|high_resolution_clock|Clock)::now\(|this_thread::sleep_(for|until)|\bsleep\(|usleep\(' "$f"; then
    fail "$f: read the time and sleep through io::Clock (util::Clock in kube/)"
  fi
done
# fakekube is an independent implementation (issue 4): it must not read
# Kubernetes or KubeRay documents through krayctl's own code.
if grep -rnE '#include [<"](krayctl/|.*src/)' tests/support/fakekube 2>/dev/null; then
  fail "tests/support/fakekube must not include krayctl code"
fi
finish
