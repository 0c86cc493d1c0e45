#!/usr/bin/env bash
# The main job on this machine: start a local PostgreSQL (the embedded default warehouse) with
# sample event tables, run playbooks/onboard.yml against it, then prove the result with the real
# pb (validate access, compile, run) and print the identities pb stitched. Safe to run again.
#
#   bash scripts/onboard-local.sh [ansible-playbook options]   onboard this machine
#   bash scripts/onboard-local.sh --stop                        stop the local PostgreSQL
#   bash scripts/onboard-local.sh --purge                       remove what it made (README)
#
# Environment:
#   PROFILES_ONBOARD_VARS  a YAML or JSON file of role variables, passed after the script's own
#                          (mirrors for machines without GitHub or python.org: pyenv_git_url,
#                          pyenv_python_build_cache_path, profiles_pip_settings, ...)
#   PROFILES_LOCAL_STATE   where passwords, logs and the record of the first run are kept
#                          (default ~/.local/state/rudderstack-profiles, mode 0700)
#   PROFILES_LOCAL_PGDIR   the local PostgreSQL's directory (default: in the state directory; as
#                          root /var/lib/rudderstack-profiles/postgres)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=${PROFILES_LOCAL_STATE:-$HOME/.local/state/rudderstack-profiles}
# As root the server runs as the postgres user, which cannot enter root's home.
PGDIR=$STATE/postgres
[ "$(id -u)" != 0 ] || PGDIR=/var/lib/rudderstack-profiles/postgres
PGDIR=${PROFILES_LOCAL_PGDIR:-$PGDIR}
PROJECT=$HOME/profiles-project
CONNECTION=local_pg
VENV_NAME=profiles
# pyenv's root: the one on PATH if there is one (a shell that never read the init block the
# playbook writes has none), else where the playbook puts it.
if command -v pyenv >/dev/null 2>&1; then PYENV_DIR=$(pyenv root); else PYENV_DIR=${PYENV_ROOT:-$HOME/.pyenv}; fi
STAGES=5
T0=$SECONDS

# stage N WHAT ESTIMATE: what the script does next and how long it usually takes.
stage() {
  finish_stage
  STAGE_T0=$SECONDS
  printf '\n== [%s/%s] %s\n   (%s)\n' "$1" "$STAGES" "$2" "$3"
}
finish_stage() {
  [ -z "${STAGE_T0:-}" ] || printf '   done in %d s (%d s since the start)\n' $((SECONDS - STAGE_T0)) $((SECONDS - T0))
  STAGE_T0=
}
# The collection, as this checkout, on a collections path of its own.
COLLECTIONS=$ROOT/.ansible/collections
link_collection() {
  mkdir -p "$COLLECTIONS/ansible_collections/rudderstack"
  ln -sfn "$ROOT" "$COLLECTIONS/ansible_collections/rudderstack/profiles"
}
python_any() { if [ -x "$ROOT/.venv/bin/python" ]; then echo "$ROOT/.venv/bin/python"; else echo python3; fi; }

stop_postgres() {
  if [ -f "$PGDIR/connection.json" ]; then
    "$(python_any)" -m devtools.local_postgres stop "$PGDIR"
    echo "stopped the local PostgreSQL in $PGDIR (its data is kept; the next run starts it again)"
  else
    echo "no local PostgreSQL in $PGDIR"
  fi
}

# Paths the onboarding may create, recorded as they were before the first run, so that --purge
# removes only what the script made.
TRACKED=("$PYENV_DIR" "$PYENV_DIR/versions/$VENV_NAME" "$HOME/.pb" "$HOME/.pb/siteconfig.yaml" "$PROJECT"
         "$HOME/.local/bin/pb"
         # the startup files of the login shell the roles may write (zsh: .zprofile and .zshrc;
         # bash: .bashrc and its login profile; sh: .profile)
         "$HOME/.bashrc" "$HOME/.profile" "$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.zshrc" "$HOME/.zprofile"
         # made on the way: caches of pip and of pb's Snowflake driver, Ansible's own directories
         "$HOME/.cache/pip" "$HOME/.cache/snowflake" "$HOME/.ansible" "$HOME/.ansible_async"
         # parents, removed only if they end up empty
         "$HOME/.local/bin" "$HOME/.local/state" "$HOME/.local" "$HOME/.cache")
record_first_run() {
  [ -f "$STATE/before" ] && return 0
  local p
  for p in "${TRACKED[@]}"; do
    if [ -e "$p" ] || [ -L "$p" ]; then echo "exists $p"; else echo "absent $p"; fi
  done > "$STATE/before.tmp"
  dpkg-query -W -f '${Package}\n' 2>/dev/null | sort > "$STATE/dpkg-before" || true
  mv "$STATE/before.tmp" "$STATE/before"
}
was_absent() { grep -qxF "absent $1" "$STATE/before" 2>/dev/null; }

purge() {
  [ -d "$STATE" ] || { echo "nothing recorded in $STATE: nothing to purge"; return 0; }
  stop_postgres
  if [ -d "$PGDIR" ]; then
    rm -rf "$PGDIR"
    rmdir "$(dirname "$PGDIR")" 2>/dev/null || true
    echo "removed the local PostgreSQL and its data ($PGDIR)"
  fi
  # The virtualenv, and the Python it runs on if the first run built it.
  local python_version venv_link
  python_version=$(sed -n 's/.*"local_python_version": "\([^"]*\)".*/\1/p' "$STATE/vars.json" 2>/dev/null || true)
  if was_absent "$PYENV_DIR"; then
    rm -rf "$PYENV_DIR"; echo "removed pyenv ($PYENV_DIR)"
  else
    venv_link=$PYENV_DIR/versions/$VENV_NAME
    if was_absent "$venv_link" && [ -L "$venv_link" ]; then
      rm -rf "$(readlink -f "$venv_link")" "$venv_link"; echo "removed the virtualenv $VENV_NAME"
    fi
    if [ -n "$python_version" ] && [ -f "$STATE/built-python" ]; then
      rm -rf "${PYENV_DIR:?}/versions/$python_version"; echo "removed Python $python_version from pyenv"
    fi
  fi
  # Shell init: the blocks the roles added (marked), and files they created that are now empty.
  local rc
  for rc in "$HOME/.bashrc" "$HOME/.profile" "$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.zshrc" "$HOME/.zprofile"; do
    grep -qE '^# BEGIN rudderstack.profiles (pyenv|pb)$' "$rc" 2>/dev/null || continue
    sed -i --follow-symlinks -e '/^# BEGIN rudderstack.profiles pyenv$/,/^# END rudderstack.profiles pyenv$/d' \
      -e '/^# BEGIN rudderstack.profiles pb$/,/^# END rudderstack.profiles pb$/d' "$rc"
    echo "removed the rudderstack.profiles blocks from $rc"
    if was_absent "$rc" && ! grep -q '[^[:space:]]' "$rc"; then rm -f "$rc"; echo "removed $rc (it held only those)"; fi
  done
  if was_absent "$HOME/.local/bin/pb"; then rm -f "$HOME/.local/bin/pb"; echo "removed the pb wrapper ~/.local/bin/pb"; fi
  if was_absent "$PROJECT"; then rm -rf "$PROJECT"; echo "removed the project $PROJECT"; fi
  if was_absent "$HOME/.pb"; then
    rm -rf "$HOME/.pb"; echo "removed ~/.pb (siteconfig and pb's cache)"
  elif was_absent "$HOME/.pb/siteconfig.yaml"; then
    rm -f "$HOME/.pb/siteconfig.yaml"; echo "removed ~/.pb/siteconfig.yaml"
  elif [ -f "$HOME/.pb/siteconfig.yaml" ] && [ -x "$ROOT/.venv/bin/ansible" ]; then
    # Your siteconfig from before: only the connection the script added goes.
    link_collection
    ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS ANSIBLE_LOCALHOST_WARNING=false \
      "$ROOT/.venv/bin/ansible" localhost -c local -o -e "ansible_python_interpreter=$ROOT/.venv/bin/python" \
      -m rudderstack.profiles.profiles_siteconfig -a "connection=$CONNECTION state=absent" >/dev/null
    echo "removed the connection $CONNECTION from ~/.pb/siteconfig.yaml"
  fi
  local made
  for made in "$HOME/.cache/pip" "$HOME/.cache/snowflake" "$HOME/.ansible" "$HOME/.ansible_async"; do
    if was_absent "$made" && [ -e "$made" ]; then rm -rf "$made"; echo "removed $made"; fi
  done
  if [ -s "$STATE/dpkg-added" ]; then
    echo "Debian packages installed by the first run (kept: other software may need them); to remove them:"
    echo "  apt-get purge $(tr '\n' ' ' < "$STATE/dpkg-added")"
  fi
  local before; before=$(cat "$STATE/before")
  rm -rf "$STATE"
  echo "removed $STATE (passwords, logs). Left: this checkout, with its .venv and .ansible folders."
  for made in "$HOME/.local/bin" "$HOME/.local/state" "$HOME/.local" "$HOME/.cache"; do
    if grep -qxF "absent $made" <<< "$before"; then rmdir "$made" 2>/dev/null || true; fi
  done
}

case "${1:-}" in
  --stop) stop_postgres; exit 0 ;;
  --purge) purge; exit 0 ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac

mkdir -p "$STATE" && chmod 700 "$STATE"
record_first_run
echo "onboard-local: a first run takes about 10 minutes (Debian packages, a Python build, pip);"
echo "a second run about 1.5 minutes. State and logs: $STATE"

stage 1 "Debian packages (PostgreSQL, python3-venv, git) and the tool venv .venv with Ansible (scripts/setup.sh --onboard)" \
  "first run: 1-2 minutes; afterwards: seconds"
bash scripts/setup.sh --onboard
PY=$ROOT/.venv/bin/python

link_collection

stage 2 "the local PostgreSQL warehouse on 127.0.0.2, with sample events" "about 5 s"
# Files holding passwords are the user's alone (the state directory is 0700 as well).
private() { (umask 077; : > "$1"); chmod 600 "$1"; }  # an empty file only its owner can read
private "$STATE/pg.json"
"$PY" -m devtools.local_postgres start "$PGDIR" > "$STATE/pg.json"
[ -s "$STATE/principal_password" ] || { private "$STATE/principal_password"; "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$STATE/principal_password"; }
"$PY" -m devtools.seed_sample_events "$STATE/pg.json"
private "$STATE/vars.json"
"$PY" - "$STATE" "$PYENV_DIR" "$VENV_NAME" "$PROJECT" "$CONNECTION" > "$STATE/vars.json" <<'PY'
import json, sys
state, pyenv_root, venv_name, project, connection = sys.argv[1:6]
pg = json.load(open(state + "/pg.json"))
pg["principal_password"] = open(state + "/principal_password").read().strip()
pg["dbname"] = "analytics"  # made by seed_sample_events.py
print(json.dumps({"local_pg": pg, "local_python_version": sys.version.split()[0],
                  "local_pyenv_root": pyenv_root, "local_virtualenv_name": venv_name,
                  "local_project_path": project,
                  "local_connection": connection}))
PY
PYTHON_VERSION=$("$PY" -c 'import sys; print(sys.version.split()[0])')
[ -e "$PYENV_DIR/versions/$PYTHON_VERSION" ] || [ -f "$STATE/built-python" ] || : > "$STATE/built-python"

stage 3 "ansible-playbook playbooks/onboard.yml: grants, pyenv, Python $PYTHON_VERSION, pb, connection, project" \
  "first run: 5-8 minutes, most of it building Python from source (once) and pip installing pb; afterwards: about 1 minute"
extra=(-e "@$STATE/vars.json")
if [ -n "${PROFILES_ONBOARD_VARS:-}" ]; then extra+=(-e "@$PROFILES_ONBOARD_VARS"); fi
ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks \
  "$ROOT/.venv/bin/ansible-playbook" -i playbooks/inventory.local.yml "${extra[@]}" playbooks/onboard.yml "$@"
if [ ! -f "$STATE/dpkg-added" ] && [ -f "$STATE/dpkg-before" ]; then
  dpkg-query -W -f '${Package}\n' 2>/dev/null | sort | comm -13 "$STATE/dpkg-before" - > "$STATE/dpkg-added" || true
fi

stage 4 "the real pb in $PROJECT: validate access, compile, run" "about 10 s"
PB=$PYENV_DIR/versions/$VENV_NAME/bin/pb
eval "$("$PY" -m devtools.pb_env)"  # the environment pb needs (SF_DISABLE_MINICORE=true, ...)
cd "$PROJECT"
for cmd in "validate access" "compile" "run"; do
  # pb logs to stderr; keep its whole output beside the other state, print its verdict.
  log=$STATE/pb-${cmd// /-}.log
  start=$SECONDS
  # shellcheck disable=SC2086  # $cmd is two words for "validate access"
  if timeout 300 "$PB" $cmd > "$log" 2>&1; then
    echo "pb $cmd: ok in $((SECONDS - start)) s ($(grep -E 'Models Processed|Program completed' "$log" | tr -s ' ' | paste -sd' '))"
  else
    echo "pb $cmd: FAILED, see $log"; tail -20 "$log"; exit 1
  fi
done

stage 5 "the identities pb stitched (table rs_profiles.user_id_stitcher)" "about 1 s"
(cd "$ROOT" && "$PY" -m devtools.seed_sample_events "$STATE/pg.json" --show-stitched)
finish_stage
cat <<EOF

onboard-local: done in $((SECONDS - T0)) s. On this machine now:
  - pyenv in $PYENV_DIR, Python $PYTHON_VERSION, virtualenv $VENV_NAME with pb; \`pb\` in new shells
  - ~/.pb/siteconfig.yaml (connection $CONNECTION), the project $PROJECT
  - a PostgreSQL server on $(sed -n 's/.*"host": "\([^"]*\)", "port": \([0-9]*\).*/\1:\2/p' "$STATE/pg.json") (data in $PGDIR)
Stop the server: bash scripts/onboard-local.sh --stop. Remove all of it: bash scripts/onboard-local.sh --purge
EOF
