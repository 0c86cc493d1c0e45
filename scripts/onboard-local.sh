#!/usr/bin/env bash
# The main job on this machine: start a local PostgreSQL (the embedded default warehouse) with sample
# event tables, run playbooks/onboard.yml against it, then prove the result with the real pb
# (validate access, compile, run) and print the stitched identities. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=${PROFILES_LOCAL_STATE:-$HOME/.local/state/rudderstack-profiles}
mkdir -p "$STATE" && chmod 700 "$STATE"

SETUP_CONTAINERS=0 bash scripts/setup.sh
PY=$ROOT/.venv/bin/python

# The collection, as this checkout, on a collections path of its own.
COLLECTIONS=$ROOT/.ansible/collections
mkdir -p "$COLLECTIONS/ansible_collections/rudderstack"
ln -sfn "$ROOT" "$COLLECTIONS/ansible_collections/rudderstack/profiles"

echo "== local PostgreSQL"
# As root the server runs as the postgres user, which cannot enter root's home.
PGDIR=$STATE/postgres
[ "$(id -u)" != 0 ] || PGDIR=/var/lib/rudderstack-profiles/postgres
"$PY" scripts/local_postgres.py start "$PGDIR" > "$STATE/pg.json"
[ -s "$STATE/principal_password" ] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$STATE/principal_password")
"$PY" scripts/seed_sample_events.py "$STATE/pg.json"
"$PY" - "$STATE" > "$STATE/vars.json" <<'PY'
import json, sys
state = sys.argv[1]
pg = json.load(open(state + "/pg.json"))
pg["principal_password"] = open(state + "/principal_password").read().strip()
pg["dbname"] = "analytics"  # made by seed_sample_events.py
print(json.dumps({"local_pg": pg, "local_python_version": sys.version.split()[0]}))
PY
chmod 600 "$STATE/vars.json"

echo "== ansible-playbook playbooks/onboard.yml"
ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS "$ROOT/.venv/bin/ansible-playbook" \
  -i playbooks/inventory.local.yml -e "@$STATE/vars.json" playbooks/onboard.yml "$@"

echo "== the real pb in the onboarded project"
PB=$(pyenv root)/versions/profiles/bin/pb
eval "$("$PY" "$ROOT/scripts/pb_env.py")"  # the environment pb needs (SF_DISABLE_MINICORE=true, ...)
cd ~/profiles-project
for cmd in "validate access" "compile" "run"; do
  # pb logs to stderr; keep its whole output beside the other state, print its verdict.
  log=$STATE/pb-${cmd// /-}.log
  start=$SECONDS
  if timeout 300 "$PB" $cmd > "$log" 2>&1; then
    echo "pb $cmd: ok in $((SECONDS - start)) s ($(grep -E 'Models Processed|Program completed' "$log" | tr -s ' ' | paste -sd' '))"
  else
    echo "pb $cmd: FAILED, see $log"; tail -20 "$log"; exit 1
  fi
done
"$PY" "$ROOT/scripts/seed_sample_events.py" "$STATE/pg.json" --show-stitched
