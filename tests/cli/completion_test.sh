#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bash completion script loads and completes commands, flags and values.
source "$(dirname "$0")/lib.sh"

"$KRAYCTL" completion bash >"$tmp/krayctl.bash" || fail "completion bash"
# The script runs krayctl itself for positionals: the one under test.
export PATH="$(dirname "$KRAYCTL"):$PATH"
# complete_words WORD...: the completions for the last word.
complete_words() {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _krayctl
    printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/krayctl.bash" "$@"
}
[ "$(complete_words krayctl re)" = "render" ] || fail "krayctl re<TAB>: $(complete_words krayctl re)"
complete_words krayctl render --s | grep -qx -- "--set" || fail "krayctl render --s<TAB>"
[ "$(complete_words krayctl render -o "" | sort | tr '\n' ' ')" = "json yaml " ] ||
  fail "krayctl render -o <TAB>: $(complete_words krayctl render -o '')"
[ "$(complete_words krayctl completion "" | sort | tr '\n' ' ')" = "bash fish zsh " ] ||
  fail "krayctl completion <TAB>"
complete_words krayctl --controller "" | grep -qx local || fail "--controller <TAB>"
# Positionals come from krayctl itself (issue 12, item 13): `config <TAB>`
# is `view`, not file names; kinds for status; nothing, quickly, offline.
[ "$(complete_words krayctl config "")" = "view" ] || fail "krayctl config <TAB>: $(complete_words krayctl config '')"
[ "$(complete_words krayctl status "" | tr '\n' ' ')" = "raycluster rayjob rayservice " ] ||
  fail "krayctl status <TAB>: $(complete_words krayctl status '')"
start=$(date +%s)
out=$(KUBECONFIG="$tmp/none" complete_words krayctl status rayjob/)
[ -z "$out" ] || fail "offline names: '$out'"
[ $(( $(date +%s) - start )) -le 5 ] || fail "offline completion took more than 5 s"
# kubectl's plugin completion runs kubectl_complete-kray with the words.
helper="$(dirname "$KRAYCTL")/kubectl_complete-kray"
[ -x "$helper" ] || fail "no kubectl_complete-kray beside krayctl"
[ "$("$helper" sta)" = "$(printf 'status\n:4')" ] || fail "kubectl_complete-kray sta: $("$helper" sta)"

if command -v zsh >/dev/null; then
  "$KRAYCTL" completion zsh >"$tmp/_krayctl"
  zsh -n "$tmp/_krayctl" || fail "zsh script does not parse"
fi
if command -v fish >/dev/null; then
  "$KRAYCTL" completion fish >"$tmp/krayctl.fish"
  fish -n "$tmp/krayctl.fish" || fail "fish script does not parse"
fi
finish
