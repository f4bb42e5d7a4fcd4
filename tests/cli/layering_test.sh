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

# Inside core/, one folder per capability, with arrows of their own:
#   yaml <- k8s <- spec, validate, nccl      yaml <- schema <- spec, validate
#   yaml <- status
# (yaml: documents, positions, JSON, emit; k8s: quantities, names, pod
# facts and problems; schema: JSON Schema; spec: the compact spec and
# render; validate: CRD schemas, CEL, operator rules, lints, explain; nccl:
# NCCL verdicts; status: the status model.) Private headers travel the
# same arrows ("../yaml/json_read.hpp").
core_allowed() {
  case "$1" in
    yaml) echo "yaml" ;;
    k8s) echo "yaml k8s" ;;
    schema) echo "yaml schema" ;;
    spec) echo "yaml k8s schema spec" ;;
    validate) echo "yaml k8s schema validate" ;;
    nccl) echo "yaml k8s nccl" ;;
    status) echo "yaml k8s status" ;;
    *) echo "" ;;
  esac
}
for f in $(find src/core include/krayctl/core -name '*.[ch]pp'); do
  sub=$(echo "$f" | sed -E 's|^(src/core\|include/krayctl/core)/||; s|/.*||')
  if [ "$sub" = "$(basename "$f")" ]; then
    fail "$f: core's files live in a capability folder (core/yaml/, core/k8s/, ...)"
    continue
  fi
  [ -n "$(core_allowed "$sub")" ] || { fail "$f: core/$sub/ is not a known capability (add it here and in docs/architecture.md)"; continue; }
  while IFS= read -r used; do
    case " $(core_allowed "$sub") " in
      *" $used "*) ;;
      *) fail "$f (core/$sub) includes core/$used" ;;
    esac
  done < <(sed -nE 's@^#include (<krayctl/core/|"\.\./)([a-z0-9_]+)/.*@\2@p' "$f")
done
# app/: use cases may use each other's public faces (include/krayctl/app/),
# never another folder's private headers.
for f in $(find src/app -name '*.[ch]pp'); do
  if grep -nE '#include "\.\./[a-z0-9_]+/' "$f"; then
    fail "$f reaches into another use case's private headers"
  fi
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
# sleep outside src/io/, so that tests can drive time. The exception, for
# a reason:
#   src/kube/curl_transport.cpp: inside one transfer (the deadline for a
#     stream's headers, the milliseconds a -v trace shows); no caller waits
#     on it.
clock_exempt="src/kube/curl_transport.cpp"
for f in $(find src include -name '*.[ch]pp' -not -path 'src/io/*'); do
  case " $clock_exempt " in *" $f "*) continue ;; esac
  if grep -nE '(steady_clock|system_clock|high_resolution_clock|Clock)::now\(|this_thread::sleep_(for|until)|\bsleep\(|usleep\(' "$f"; then
    fail "$f: read the time and sleep through io::Clock (util::Clock in kube/)"
  fi
done
# kube/ is a Kubernetes client and knows nothing of Ray: KubeRay's kinds and
# words are registered by app/resources.cpp (docs/architecture.md).
if grep -rnE 'ray\.io|KubeRay' src/kube include/krayctl/kube; then
  fail "kube/ names Ray: put KubeRay's kinds and words in app/resources.cpp"
fi
# fakekube is an independent implementation (issue 4): it must not read
# Kubernetes or KubeRay documents through krayctl's own code.
if grep -rnE '#include [<"](krayctl/|.*src/)' tests/support/fakekube 2>/dev/null; then
  fail "tests/support/fakekube must not include krayctl code"
fi
finish
