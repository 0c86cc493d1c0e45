#!/usr/bin/env bash
# Installs what the tests and the local onboarding run need on a fresh Debian machine.
#   bash scripts/setup.sh            everything the tests need (tests/run-all.sh runs this)
#   bash scripts/setup.sh --onboard  only what scripts/onboard-local.sh needs
# Idempotent: skips what is already there. Venvs live in the checkout (.venv, .venv-pb); each
# remembers the requirements it was made from and is brought up to date when they change.
# Environment: PYTHON (interpreter for the venvs, default python3), SETUP_CONTAINERS=0 (no podman,
# no container images), PB_VERSION (the pb in .venv-pb; default: the profiles_cli role's pin,
# profiles_cli_rudderstack_version in roles/profiles_cli/defaults/main.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
MODE=tests
case "${1:-}" in
  --onboard) MODE=onboard ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--onboard]" >&2; exit 2 ;;
esac
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

T0=$SECONDS
# step WHAT: says what comes next and how long it usually takes; the next step (or finish)
# prints how long it took.
STEP=
step() { finish_step; STEP=$1; STEP_T0=$SECONDS; printf '\n== setup: %s\n' "$1"; }
finish_step() {
  [ -z "$STEP" ] || printf '   done in %d s (setup: %d s so far)\n' $((SECONDS - STEP_T0)) $((SECONDS - T0))
  STEP=
}

apt_updated=
# apt_install [--recommends] PKG...: installs the packages that are missing; without
# --recommends, what they only recommend stays out (postgresql's recommends pull in cron and a
# mail server).
apt_install() {
  local missing=() pkg recommends=--no-install-recommends
  if [ "$1" = --recommends ]; then recommends=; shift; fi
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "apt-get install ${missing[*]} (Debian packages; usually under a minute)"
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $recommends "${missing[@]}" >/dev/null
}

# PostgreSQL server binaries (the local warehouse of onboard-local.sh and of the tests). Debian's
# package would also create and start a "main" cluster on port 5432, which nothing here uses:
# switched off for the install, then the file is put back as it was (a changed conffile would
# make later upgrades ask about it).
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  apt_install postgresql-common
  conf=/etc/postgresql-common/createcluster.conf
  $SUDO cp -p "$conf" "$conf.setup-saved"
  $SUDO pg_conftool "$conf" set create_main_cluster false
  apt_install postgresql
  $SUDO mv "$conf.setup-saved" "$conf"
fi
# git (pyenv is a git checkout), venv for the tool venvs (Debian ships Python's venv module
# separately); for the tests also rsync (the sanity copy), Chromium and, with containers, podman.
apt_install git
"$PY" -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
if [ "$MODE" = tests ]; then
  # zsh: tests/integration/test_login_shells.py starts real zsh sessions (an analyst's login shell).
  apt_install rsync zsh
  # actionlint checks the shipped workflow's run steps with ShellCheck (test_ci_definitions.py);
  # with it installed, ansible-test's shellcheck sanity test runs too (it is skipped without).
  apt_install shellcheck
  # The fleet report's browser test (tests/integration/test_fleet_report_browser.py): Debian's
  # Chromium and its WebDriver, driven by selenium (tests/requirements.txt).
  apt_install chromium chromium-driver
  if [ "${SETUP_CONTAINERS:-1}" = 1 ]; then
    apt_install --recommends podman runc debootstrap uidmap slirp4netns fuse-overlayfs
  fi
fi

ONBOARD_REQS=(scripts/requirements-onboard.txt)
TEST_REQS=(scripts/requirements-onboard.txt tests/requirements.txt)
digest() { cat "$@" | sha256sum | cut -c1-16; }
venv_works() { [ -x "$1/bin/python" ] && "$1/bin/python" -c '' 2>/dev/null; }
# venv_has DIR DIGEST: DIR is a working venv made from requirements with that digest.
venv_has() { venv_works "$1" && [ "$(cat "$1/.setup-requirements" 2>/dev/null)" = "$2" ]; }
# quiet COMMAND...: runs it, prints its output only if it fails (and then fails too).
quiet() {
  local out
  if ! out=$("$@" 2>&1); then printf '%s\n' "$out" | tail -40; echo "failed: $*" >&2; return 1; fi
}
# venv_install DIR REQUIREMENTS...: DIR holds those requirements (a stamp records which).
venv_install() {
  local dir=$1 req; shift
  venv_works "$dir" || { rm -rf "$dir"; "$PY" -m venv "$dir"; }
  quiet "$dir/bin/python" -m pip install --upgrade pip
  # --no-compile: byte-compiling the ~15,000 modules of the ansible package up front costs minutes
  # of CPU on a small machine; Python compiles what it imports, when it first imports it.
  for req in "$@"; do quiet "$dir/bin/python" -m pip install --no-compile -r "$req"; done
  digest "$@" > "$dir/.setup-requirements"
}

if [ "$MODE" = onboard ]; then
  if ! venv_has .venv "$(digest "${ONBOARD_REQS[@]}")" && ! venv_has .venv "$(digest "${TEST_REQS[@]}")"; then
    step "tool venv .venv: ansible-core, ansible, psycopg2 and PyYAML from PyPI (about 1 minute)"
    venv_install .venv "${ONBOARD_REQS[@]}"
  fi
  finish_step
  .venv/bin/ansible-playbook --version | sed -n 1p
  exit 0
fi

if ! venv_has .venv "$(digest "${TEST_REQS[@]}")"; then
  step "tool venv .venv: Ansible, ansible-lint, molecule, pytest and their dependencies from PyPI (about 1.5 minutes)"
  venv_install .venv "${TEST_REQS[@]}"
fi
finish_step
.venv/bin/ansible-playbook --version | sed -n 1p

PB_VERSION=${PB_VERSION:-$(.venv/bin/python -m devtools.role_defaults profiles_cli profiles_cli_rudderstack_version)}
if [ ! -x .venv-pb/bin/pb ] || ! venv_has .venv-pb "profiles-rudderstack==$PB_VERSION"; then
  step "pb venv .venv-pb: profiles-rudderstack==$PB_VERSION, the real pb for the tests (a 150 MB download; about 1 minute)"
  venv_works .venv-pb || { rm -rf .venv-pb; "$PY" -m venv .venv-pb; }
  quiet .venv-pb/bin/python -m pip install --no-compile "profiles-rudderstack==$PB_VERSION"
  echo "profiles-rudderstack==$PB_VERSION" > .venv-pb/.setup-requirements
fi
(eval "$("$PY" -m devtools.pb_env)"; .venv-pb/bin/pb version | sed -n 1p)
finish_step

# ansible-test creates venvs without pip and tries to download get-pip.py from a host this
# machine cannot reach; this stand-in bootstraps pip from ensurepip, then installs what it was
# asked for from the package index.
GET_PIP=~/.ansible/test/cache/get_pip_24_2.py
if [ ! -f "$GET_PIP" ]; then
  mkdir -p "$(dirname "$GET_PIP")"
  cat > "$GET_PIP" <<'PY'
import subprocess, sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PY
fi

if [ "${SETUP_CONTAINERS:-1}" = 1 ] && [ -x scripts/build_images.sh ]; then
  step "container images and mirrors for molecule (scripts/build_images.sh; about 3 minutes the first time)"
  bash scripts/build_images.sh
fi
finish_step
printf '\n== setup: done in %d s\n' $((SECONDS - T0))
