#!/usr/bin/env bash
# Runs the molecule scenarios (extensions/molecule/*) with the podman driver and prints
#   molecule: N passed, N failed
# where N counts scenarios (each scenario covers its platforms: fleet = three workstations on bookworm
# and trixie, with the warehouse and the admin play on the controller).
# Needs the images and mirrors from scripts/build_images.sh (run here if missing). Exits non-zero
# on any failure and leaves no containers behind.
# Arguments: scenario names (default: every scenario under extensions/molecule).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
export PATH="$ROOT/.venv/bin:$PATH"

bash scripts/build_images.sh || { echo "molecule: 0 passed, 1 failed (images/mirrors)"; exit 1; }

# The collection under test is this checkout, on a private collections path.
COLL_ROOT=$(mktemp -d)
mkdir -p "$COLL_ROOT/ansible_collections/rudderstack"
ln -s "$ROOT" "$COLL_ROOT/ansible_collections/rudderstack/profiles"
# ansible's own collections (community.general, ansible.posix, containers.podman) stay findable.
ANSIBLE_OWN=$(python -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__path__[0]))' 2>/dev/null)
export PROFILES_MOLECULE_COLLECTIONS_PATH="$COLL_ROOT:$ANSIBLE_OWN"
export ANSIBLE_COLLECTIONS_PATH=$PROFILES_MOLECULE_COLLECTIONS_PATH

if [ $# -gt 0 ]; then SCENARIOS=("$@"); else
  mapfile -t SCENARIOS < <(cd extensions/molecule && for s in */; do [ -f "$s/molecule.yml" ] && echo "${s%/}"; done)
fi

cleanup() {
  local s
  for s in "${SCENARIOS[@]}"; do  # stopped early (tests/run-all.sh's deadline): where each one was
    if [ -f "${LOGS:-/nonexistent}/$s.log" ] && [ ! -f "$LOGS/$s.rc" ]; then
      echo "## molecule $s: stopped before it ended; the last 150 lines of its output:"
      tail -150 "$LOGS/$s.log"
    fi
  done
  for s in "${SCENARIOS[@]}"; do molecule destroy -s "$s" >/dev/null 2>&1 || true; done
  rm -rf "$COLL_ROOT" "${LOGS:-}"
}
trap cleanup EXIT

# The scenarios run side by side (their containers, warehouses, ports and state are their own):
# the newcomer's run fits into the fleet's waits on SSH round trips and pb. Each one's output is
# printed whole, in order, once all have ended. PROFILES_MOLECULE_SEQUENTIAL=1: one after another.
LOGS=$(mktemp -d)
run_scenario() {
  local start=$SECONDS rc=0
  molecule test -s "$1" > "$LOGS/$1.log" 2>&1 || rc=$?
  echo "$rc $((SECONDS - start))" > "$LOGS/$1.rc"
}
for s in "${SCENARIOS[@]}"; do
  if [ "${PROFILES_MOLECULE_SEQUENTIAL:-0}" = 1 ]; then run_scenario "$s"; else run_scenario "$s" & fi
done
wait

PASSED=0 FAILED=0
for s in "${SCENARIOS[@]}"; do
  rc=1 took=0
  [ -f "$LOGS/$s.rc" ] && read -r rc took < "$LOGS/$s.rc"
  cat "$LOGS/$s.log" 2>/dev/null
  if [ "$rc" = 0 ]; then PASSED=$((PASSED + 1)); echo "## molecule $s: ok ($took s)";
  else FAILED=$((FAILED + 1)); echo "## molecule $s: FAILED ($took s)"; fi
done
echo "molecule: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
