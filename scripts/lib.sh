# Shared helpers for scripts/demo.sh and scripts/test.sh (sourced, not run).

find_python() {
  # find_python 3.12 -> path of a python3.12 interpreter, or nothing.
  local version="$1" candidate
  for candidate in "python$version" "$HOME/.pyenv/versions/$version"*/bin/"python$version" \
                   /usr/local/bin/"python$version" /usr/bin/"python$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

apt_install() {
  # apt_install PACKAGE... : installs the Debian packages that are missing, when we may.
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "Please install: ${missing[*]}" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_commands() {
  # ensure_commands CMD:PACKAGE... : installs PACKAGE from Debian when CMD is not on the PATH.
  local pair cmd pkg missing=()
  for pair in "$@"; do
    cmd="${pair%%:*}"
    pkg="${pair#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

make_venv() {
  # make_venv DIR PYTHON PIP-ARGS... : a virtual environment with the given packages installed.
  local dir="$1" python="$2"
  shift 2
  if [ ! -x "$dir/bin/python" ]; then
    "$python" -m venv "$dir"
  fi
  "$dir/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1 | grep -v -E "^WARNING: Location|is ignored: it is neither" || true
  "$dir/bin/python" -c 'import django, queues' >/dev/null
}
