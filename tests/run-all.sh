#!/usr/bin/env bash
# Runs every test suite: pytest (unit + integration against real PostgreSQL and the real pb),
# ansible-test sanity, ansible-lint, the collection build, and molecule. Installs what is missing first.
# Arguments, if any, pick suites: tests/run-all.sh sanity ansible-lint
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh || { echo "setup failed"; exit 1; }
export PATH="$ROOT/.venv/bin:$PATH"
export PB_BIN="$ROOT/.venv-pb/bin/pb"

PASSED=0 FAILED=0 FAILED_SUITES=()
WANTED=" $* "
suite() {  # suite NAME COMMAND...: run, time and count one suite
  local name=$1; shift
  [ "$WANTED" = "  " ] || [[ "$WANTED" == *" $name "* ]] || return 0
  printf '\n######## %s\n' "$name"
  local start=$SECONDS
  if "$@"; then PASSED=$((PASSED + 1)); echo "## $name: ok ($((SECONDS - start)) s)";
  else FAILED=$((FAILED + 1)); FAILED_SUITES+=("$name"); echo "## $name: FAILED ($((SECONDS - start)) s)"; fi
}

# Sanity and lint need the collection at ansible_collections/rudderstack/profiles: copy the tree.
COLL_ROOT=$(mktemp -d)
COLL=$COLL_ROOT/ansible_collections/rudderstack/profiles
mkdir -p "$COLL"
git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$COLL/"

sanity() {
  (cd "$COLL" && git init -q && git add -A && \
   ansible-test sanity --venv --requirements --python 3.11 --color no)
}
lint() {
  (cd "$COLL" && ANSIBLE_COLLECTIONS_PATH="$COLL_ROOT" ansible-lint --offline --profile production)
}
build() {
  local out; out=$(mktemp -d)
  ansible-galaxy collection build --output-path "$out" . >/dev/null && \
  ansible-galaxy collection install --no-deps -p "$out/installed" "$out"/rudderstack-profiles-*.tar.gz >/dev/null && \
  for m in $(ls plugins/modules/*.py | xargs -n1 basename | sed 's/\.py$//'); do
    ANSIBLE_COLLECTIONS_PATH="$out/installed" ansible-doc "rudderstack.profiles.$m" >/dev/null || return 1
  done && echo "built, installed and ansible-doc rendered $(ls plugins/modules/*.py | wc -l) modules"
}
changelog() { antsibull-changelog lint; }

suite pytest python -m pytest -q -p no:cacheprovider tests/unit tests/integration
suite sanity sanity
suite ansible-lint lint
suite build build
suite changelog changelog
if [ -x tests/molecule/run.sh ]; then suite molecule bash tests/molecule/run.sh; fi

rm -rf "$COLL_ROOT"
printf '\nsuites: %d passed, %d failed %s\n' "$PASSED" "$FAILED" "${FAILED_SUITES[*]:-}"
[ "$FAILED" -eq 0 ]
