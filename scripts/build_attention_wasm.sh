#!/bin/sh
# Rebuilds lib/engine/attention_kernel/attention.wasm from attention.c, byte-identically.
#
# Built and checked with Debian clang 14.0.6 and its wasm-ld (LLVM 14). CI has no clang, so the .wasm is
# committed; run this after editing attention.c and commit both. `--check` rebuilds into a temp file and
# fails if it differs from the committed binary. Flags are pinned; -mbulk-memory lets LLVM lower the
# zero-fill loops to memory.fill instead of calls to a libc memset that does not exist here.
set -eu
cd "$(dirname "$0")/.."
SRC=lib/engine/attention_kernel/attention.c
OUT=lib/engine/attention_kernel/attention.wasm
CLANG=${CLANG:-clang}
if ! "$CLANG" --version | head -n 1 | grep -q "clang version 14\.0\.6"; then
  echo "warning: $("$CLANG" --version | head -n 1) is not clang 14.0.6; the output will differ from the committed binary" >&2
fi

build() {
  "$CLANG" --target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffreestanding \
    -fno-ident -Wall -Wextra -Werror \
    -Wl,--no-entry -Wl,--strip-all \
    -Wl,--export=attn_forward -Wl,--export=attn_backward -Wl,--export=attn_scratch_floats \
    -Wl,--export=__heap_base \
    -o "$1" "$SRC"
}

if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  build "$tmp"
  if cmp -s "$tmp" "$OUT"; then
    echo "attention.wasm is up to date ($(sha256sum "$OUT" | cut -d' ' -f1))"
  else
    echo "attention.wasm differs from a rebuild of attention.c: run scripts/build_attention_wasm.sh" >&2
    exit 1
  fi
else
  build "$OUT"
  echo "wrote $OUT ($(sha256sum "$OUT" | cut -d' ' -f1))"
fi
