#!/usr/bin/env bash
# Runs every test suite: pytest (unit + integration against real PostgreSQL and the real pb),
# ansible-test sanity, ansible-lint, the collection build, and molecule. Installs what is missing first.
# Arguments, if any, pick suites: tests/run-all.sh sanity ansible-lint
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
SETUP_SECONDS=$SECONDS
bash scripts/setup.sh || { echo "setup failed"; exit 1; }
SETUP_SECONDS=$((SECONDS - SETUP_SECONDS))
export PATH="$ROOT/.venv/bin:$PATH"
export PB_BIN="$ROOT/.venv-pb/bin/pb"
# Bytecode cached outside the checkout for every suite, not only pytest's processes: molecule's
# and ansible-test's Ansible runs compile the same libraries (why: tests/conftest.py).
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX=${PYTHONPYCACHEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/rudderstack-profiles/pycache}

PASSED=0 FAILED=0 FAILED_SUITES=() TIMES=()
WANTED=" $* "
suite() {  # suite NAME COMMAND...: run, time and count one suite
  local name=$1; shift
  [ "$WANTED" = "  " ] || [[ "$WANTED" == *" $name "* ]] || return 0
  printf '\n######## %s\n' "$name"
  local start=$SECONDS result=ok
  if "$@"; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); FAILED_SUITES+=("$name"); result=FAILED; fi
  echo "## $name: $result ($((SECONDS - start)) s)"
  TIMES+=("$name $result $((SECONDS - start))")
}

# Sanity and lint need the collection at ansible_collections/rudderstack/profiles: copy the tree.
COLL_ROOT=$(mktemp -d)
COLL=$COLL_ROOT/ansible_collections/rudderstack/profiles
mkdir -p "$COLL"
git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$COLL/"

sanity() {  # quiet while it builds its venvs; the whole log is printed when it fails
  local log; log=$(mktemp)
  (cd "$COLL" && git init -q && git add -A && \
   ansible-test sanity --venv --requirements --python 3.11 --color no) >"$log" 2>&1
  local rc=$?
  grep -E '^(Running sanity test|ERROR|FATAL)' "$log"
  [ $rc -eq 0 ] || tail -200 "$log"
  rm -f "$log"; return $rc
}
lint() {
  (cd "$COLL" && ANSIBLE_COLLECTIONS_PATH="$COLL_ROOT" ansible-lint --offline --profile production)
}
build() {  # the tarball installs, and ansible-doc renders every module from the installed copy
  local out m n=0; out=$(mktemp -d)
  ansible-galaxy collection build --output-path "$out" . >/dev/null || return 1
  # Only the collection: no logs, test caches or test scenarios (galaxy.yml build_ignore).
  local stray
  stray=$(tar tzf "$out"/rudderstack-profiles-*.tar.gz | cut -d/ -f1 | sort -u |
          grep -vxE 'FILES.json|MANIFEST.json|LICENSE|README.md|CONTRIBUTING.md|requirements.txt|bindep.txt|changelogs|docs|meta|playbooks|plugins|roles|extensions' || true)
  [ -z "$stray" ] || { echo "unexpected in the built collection: $stray"; return 1; }
  [ -z "$(tar tzf "$out"/rudderstack-profiles-*.tar.gz | grep -v '/$' | grep '^extensions/' || true)" ] || {
    echo "unexpected in the built collection: extensions/ has files"; return 1; }
  ansible-galaxy collection install --no-deps -p "$out/installed" "$out"/rudderstack-profiles-*.tar.gz \
    2>&1 | grep -v 'is not part of the configured' || true
  for m in plugins/modules/*.py; do
    [ -e "$m" ] || continue
    m=$(basename "$m" .py)
    ANSIBLE_COLLECTIONS_PATH="$out/installed" ansible-doc "rudderstack.profiles.$m" >/dev/null || return 1
    n=$((n + 1))
  done
  echo "built $(basename "$out"/*.tar.gz) ($(du -k "$out"/*.tar.gz | cut -f1) KiB), installed, ansible-doc rendered $n modules"
  rm -rf "$out"
}
changelog() { antsibull-changelog lint; }

# Molecule runs beside the other suites: its time goes to CPython builds inside the containers,
# pytest's largely to waiting on subprocesses and servers, so on two cores the two together take
# little more than molecule alone (CI time, docs/testing.md). Its output is printed when it ends.
MOLECULE_LOG=$(mktemp) MOLECULE_PID='' MOLECULE_T0=$SECONDS
if [ -x tests/molecule/run.sh ] && { [ "$WANTED" = "  " ] || [[ "$WANTED" == *" molecule "* ]]; }; then
  echo "molecule: started in the background (output follows the other suites)"
  # Its own time (it may end long before the other suites): written when it ends.
  { bash tests/molecule/run.sh; rc=$?; echo $((SECONDS - MOLECULE_T0)) > "$MOLECULE_LOG.seconds"; exit $rc; } \
    > "$MOLECULE_LOG" 2>&1 &
  MOLECULE_PID=$!
fi
molecule_result() {
  local rc=0
  wait "$MOLECULE_PID" || rc=$?
  cat "$MOLECULE_LOG"
  MOLECULE_SECONDS=$(cat "$MOLECULE_LOG.seconds" 2>/dev/null || echo $((SECONDS - MOLECULE_T0)))
  echo "molecule: took $MOLECULE_SECONDS s, ended $((SECONDS - MOLECULE_T0 - MOLECULE_SECONDS)) s before the other suites"
  return $rc
}

# -rs lists every skip with its reason; with CI=true a skip fails the run unless allow-listed
# (CI_MAY_SKIP in tests/conftest.py).
suite pytest python -m pytest -q -p no:cacheprovider -rs --durations=15 tests/unit tests/integration
suite sanity sanity
suite ansible-lint lint
suite build build
suite changelog changelog
if [ -n "$MOLECULE_PID" ]; then suite molecule molecule_result; fi
rm -f "$MOLECULE_LOG" "$MOLECULE_LOG.seconds"

rm -rf "$COLL_ROOT"
# The time budget (docs/testing.md, CI time): each suite's seconds. Molecule runs in the background
# from before pytest: its row is its whole run, not the wait for it after the other suites.
printf '\n%-22s %-7s %7s\n' suite result seconds
printf '%-22s %-7s %7d\n' setup ok "$SETUP_SECONDS"
for row in "${TIMES[@]}"; do
  read -r name result took <<< "$row"
  [ "$name" != molecule ] || { name="molecule (background)"; took=${MOLECULE_SECONDS:-$took}; }
  printf '%-22s %-7s %7d\n' "$name" "$result" "$took"
done
printf '%-22s %-7s %7d\n' total "" "$SECONDS"
[ "$FAILED" -eq 0 ] || echo "failed suites: ${FAILED_SUITES[*]}"
printf '\nsuites: %d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
