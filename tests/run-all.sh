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
# Every suite ends by RUN_DEADLINE seconds after this script started (CI stops the whole run at
# 90 minutes and shows none of what a suite still running had printed): a long suite still
# running then gets a signal (pytest: SIGINT, so it prints where it was and its summary), SIGKILL
# a minute later, and counts as failed with its output printed. --foreground: the suite stays in
# the run's process group (a group of its own would be stopped on touching a terminal CI may have);
# the signal goes to the suite's own process, which ends its children.
RUN_DEADLINE=${RUN_DEADLINE:-4800}
within_deadline() {  # within_deadline SIGNAL COMMAND...
  local signal=$1 left=$((RUN_DEADLINE - SECONDS)); shift
  [ "$left" -gt 0 ] || left=1
  timeout --foreground --signal="$signal" --kill-after=60 "$left" "$@"
}
# Sanity and lint need the collection at ansible_collections/rudderstack/profiles: a copy of the
# tree each, since they may run at the same time (sanity writes into its copy).
COLL_ROOT=$(mktemp -d) LOGS=$(mktemp -d)
copy_collection() {  # copy_collection NAME: the tree at $COLL_ROOT/NAME/ansible_collections/rudderstack/profiles
  local to=$COLL_ROOT/$1/ansible_collections/rudderstack/profiles
  mkdir -p "$to"
  git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$to/"
}
copy_collection sanity
copy_collection lint

sanity() {  # quiet while it builds its venvs; the whole log is printed when it fails
  local log; log=$(mktemp)
  (cd "$COLL_ROOT/sanity/ansible_collections/rudderstack/profiles" && git init -q && git add -A && \
   within_deadline TERM ansible-test sanity --venv --requirements --python 3.11 --color no) >"$log" 2>&1
  local rc=$?
  grep -E '^(Running sanity test|ERROR|FATAL)' "$log"
  [ $rc -eq 0 ] || tail -200 "$log"
  rm -f "$log"; return $rc
}
lint() {
  (cd "$COLL_ROOT/lint/ansible_collections/rudderstack/profiles" &&
   ANSIBLE_COLLECTIONS_PATH="$COLL_ROOT/lint" within_deadline TERM ansible-lint --offline --profile production)
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

# Pytest's tests that run in a second pytest process ("pytest-late"), started when a lane frees
# (molecule usually ends first): self-contained files of about four minutes together.
LATE_TESTS=(tests/integration/test_pb_upgrade_analysts.py tests/integration/test_cli_installer.py)
# -rfEs lists every failure, error and skip (with its reason) at the end; with CI=true a skip
# fails the run unless allow-listed (CI_MAY_SKIP in tests/conftest.py).
PYTEST_ARGS=(-q -p no:cacheprovider -rfEs --durations=15)
pytest_main() {
  within_deadline INT python -m pytest "${PYTEST_ARGS[@]}" "${LATE_TESTS[@]/#/--ignore=}" tests/unit tests/integration
}
pytest_late() {  # a temporary root of its own, apart from the one the main process prunes
  within_deadline INT python -m pytest "${PYTEST_ARGS[@]}" --basetemp="$LOGS/pytest-late-tmp" "${LATE_TESTS[@]}"
}
molecule_suite() { within_deadline TERM bash tests/molecule/run.sh; }

# Suites in this order, two at a time (the 2-core machine): molecule's time goes to CPython builds
# inside its containers (its scenarios run side by side), pytest's largely to waiting on
# subprocesses and servers, so the two together take little more than the longer one (CI time,
# docs/testing.md). Each suite's output is printed whole when it ends; its row is its own time.
QUEUE=()
want() { [ "$WANTED" = "  " ] || [[ "$WANTED" == *" $1 "* ]]; }
if [ -x tests/molecule/run.sh ] && want molecule; then QUEUE+=(molecule); fi
if want pytest; then QUEUE+=(pytest pytest-late); fi
for name in sanity ansible-lint build changelog; do if want "$name"; then QUEUE+=("$name"); fi; done
declare -A COMMANDS=([molecule]=molecule_suite [pytest]=pytest_main [pytest-late]=pytest_late [sanity]=sanity
                     [ansible-lint]=lint [build]=build [changelog]=changelog)
LANES=2
declare -A RUNNING=()
start_suite() {
  echo "started: $1"
  { t0=$SECONDS; "${COMMANDS[$1]}" > "$LOGS/$1" 2>&1; echo "$? $((SECONDS - t0))" > "$LOGS/$1.end"; } &
  RUNNING[$1]=$!
}
report_ended() {  # print and count the suites that have ended
  local name rc took result
  for name in "${!RUNNING[@]}"; do
    [ -e "$LOGS/$name.end" ] || continue
    wait "${RUNNING[$name]}" || true
    unset "RUNNING[$name]"
    read -r rc took < "$LOGS/$name.end"
    printf '\n######## %s\n' "$name"
    cat "$LOGS/$name"
    if [ "$rc" -eq 0 ]; then PASSED=$((PASSED + 1)); result=ok; else
      FAILED=$((FAILED + 1)); FAILED_SUITES+=("$name"); result=FAILED; fi
    if { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ "$SECONDS" -ge "$RUN_DEADLINE" ]; then
      echo "## $name: stopped at the run's deadline, RUN_DEADLINE=$RUN_DEADLINE s"; fi
    echo "## $name: $result ($took s)"
    TIMES+=("$name $result $took")
  done
}
while [ ${#QUEUE[@]} -gt 0 ] || [ ${#RUNNING[@]} -gt 0 ]; do
  while [ ${#QUEUE[@]} -gt 0 ] && [ ${#RUNNING[@]} -lt $LANES ]; do
    start_suite "${QUEUE[0]}"
    QUEUE=("${QUEUE[@]:1}")
  done
  wait -n || true
  report_ended
done

# CI shows the end of the output: each failed suite's last lines (pytest's summary of failures) again.
for name in "${FAILED_SUITES[@]}"; do
  printf '\n######## the end of %s, which failed\n' "$name"
  tail -40 "$LOGS/$name"
done
rm -rf "$COLL_ROOT" "$LOGS"
# The time budget (docs/testing.md, CI time): each suite's own seconds, and the whole run's.
printf '\n%-22s %-7s %7s\n' suite result seconds
printf '%-22s %-7s %7d\n' setup ok "$SETUP_SECONDS"
for row in "${TIMES[@]}"; do
  read -r name result took <<< "$row"
  printf '%-22s %-7s %7d\n' "$name" "$result" "$took"
done
printf '%-22s %-7s %7d\n' total "" "$SECONDS"
[ "$FAILED" -eq 0 ] || echo "failed suites: ${FAILED_SUITES[*]}"
printf '\nsuites: %d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
