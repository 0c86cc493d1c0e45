#!/usr/bin/env bash
# Runs the molecule scenarios (extensions/molecule/*) with the podman driver and prints
#   molecule: N passed, N failed
# where N counts scenarios (each scenario covers its platforms: fleet = three workstations on bookworm
# and trixie, with the warehouse and the admin play on the controller).
# Needs the images and mirrors from scripts/build_images.sh (run here if missing). Exits non-zero
# on any failure and leaves no containers behind.
# Arguments: scenario names (default: every scenario under extensions/molecule).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH="$ROOT/.venv/bin:$PATH"

bash scripts/build_images.sh || { echo "molecule: 0 passed, 1 failed (images/mirrors)"; exit 1; }

# The collection under test is this checkout, on a private collections path.
COLL_ROOT=$(mktemp -d)
mkdir -p "$COLL_ROOT/ansible_collections/rudderstack"
ln -s "$ROOT" "$COLL_ROOT/ansible_collections/rudderstack/profiles"
# ansible's own collections (community.general, ansible.posix, containers.podman) stay findable.
export PROFILES_MOLECULE_COLLECTIONS_PATH="$COLL_ROOT:$(python -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__path__[0]))' 2>/dev/null)"
export ANSIBLE_COLLECTIONS_PATH=$PROFILES_MOLECULE_COLLECTIONS_PATH

if [ $# -gt 0 ]; then SCENARIOS=("$@"); else
  mapfile -t SCENARIOS < <(cd extensions/molecule && ls -d */ 2>/dev/null | sed 's#/$##' | while read -r s; do [ -f "$s/molecule.yml" ] && echo "$s"; done)
fi

cleanup() {
  for s in "${SCENARIOS[@]}"; do molecule destroy -s "$s" >/dev/null 2>&1 || true; done
  rm -rf "$COLL_ROOT"
}
trap cleanup EXIT

PASSED=0 FAILED=0
for s in "${SCENARIOS[@]}"; do
  start=$SECONDS
  if molecule test -s "$s"; then PASSED=$((PASSED + 1)); echo "## molecule $s: ok ($((SECONDS - start)) s)";
  else FAILED=$((FAILED + 1)); echo "## molecule $s: FAILED ($((SECONDS - start)) s)"; fi
done
echo "molecule: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
