# Installing Debian packages on a machine where something else may be using apt at the same moment
# (fresh cloud machines run unattended upgrades at boot). Sourced by setup.sh; `apt_install PKG…`
# waits for the package manager's locks with a visible message, retries what fails for a passing
# reason (the network, a lock taken meanwhile, an interrupted dpkg), and fails with one clear
# sentence only when the packages truly cannot be installed.
#
# COFFER_APT_WAIT: how long to wait for another package manager, in seconds (default 1800).
# COFFER_APT_RETRY_DELAY: seconds before the first retry, doubled for each next one (default 10).

APT_WAIT="${COFFER_APT_WAIT:-1800}"
APT_RETRY_DELAY="${COFFER_APT_RETRY_DELAY:-10}"
APT_TRIES=4
# dpkg's lock and its front end's, the package lists' and the download cache's: apt-get takes the
# first two for an install (and waits for them with DPkg::Lock::Timeout), the lists' for an update
# (for which it does not wait), the cache's for downloads.
APT_LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)

# "PID (NAME)" of the process holding a lock on file $1, read from /proc/locks (apt and dpkg take
# fcntl locks; /proc/locks names the file by inode); nothing when the file is free.
apt_lock_holder() {
  local file=$1 inode pid name
  [ -e "$file" ] || return 0
  inode=$(stat -c %i "$file") || return 0
  pid=$(awk -v ino="$inode" '$2 != "->" { n = split($6, f, ":"); if (f[n] == ino) { print $5; exit } }' /proc/locks)
  [ -n "$pid" ] || return 0
  name=$(cat "/proc/$pid/comm" 2>/dev/null || echo "?")
  echo "$pid ($name)"
}

# Waits until no other process holds a package manager lock, saying so at once and every 30 s.
apt_wait_for_locks() {
  local waited=0 file holder said=""
  while :; do
    holder=""
    for file in "${APT_LOCKS[@]}"; do
      holder=$(apt_lock_holder "$file")
      [ -n "$holder" ] && break
    done
    [ -z "$holder" ] && return 0
    if [ "$waited" -ge "$APT_WAIT" ]; then
      echo "setup: gave up after ${APT_WAIT}s: process $holder still holds $file (another package manager is running; let it finish, or stop it, and run set-up again)" >&2
      return 1
    fi
    if [ -z "$said" ] || [ $((waited % 30)) -eq 0 ]; then
      echo "setup: waiting for process $holder to release $file — another package manager is running (waited ${waited}s, up to ${APT_WAIT}s)" >&2
      said=1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# Runs one apt-get command as root, quietly; on failure, prints its output's error lines and
# returns 1 (2 when retrying cannot help: a package that does not exist, broken dependencies, no rights).
apt_run() {
  local out status
  out=$(DEBIAN_FRONTEND=noninteractive $APT_SUDO apt-get -q -o DPkg::Lock::Timeout="$APT_WAIT" "$@" 2>&1) && return 0
  status=$?
  APT_ERROR=$(printf '%s\n' "$out" | grep -E '^(E|W): ' | tail -n 3 || true)
  [ -n "$APT_ERROR" ] || APT_ERROR=$(printf '%s\n' "$out" | tail -n 3)
  if printf '%s\n' "$out" | grep -qE 'Unable to locate package|has no installation candidate|held broken packages|Unmet dependencies|are you root|Permission denied'; then
    return 2
  fi
  if printf '%s\n' "$out" | grep -q "dpkg --configure -a"; then
    # dpkg was interrupted (e.g. a boot-time upgrade was killed): finish its work before retrying.
    echo "setup: dpkg was interrupted earlier; running 'dpkg --configure -a' first" >&2
    DEBIAN_FRONTEND=noninteractive $APT_SUDO dpkg --configure -a >/dev/null 2>&1 || true
  fi
  return "$status"
}

# apt-get update, then install the packages; each step waits for the locks and is retried
# (after 10, 20, 40 s) while it fails for a reason that may pass. Returns 1 after saying why.
apt_install() {
  APT_SUDO=""
  [ "$(id -u)" -eq 0 ] || APT_SUDO="sudo"
  local step try delay status
  for step in update install; do
    try=1
    delay=$APT_RETRY_DELAY
    while :; do
      apt_wait_for_locks || return 1
      status=0
      if [ "$step" = update ]; then
        apt_run update -qq || status=$?
      else
        apt_run install -y -qq --no-install-recommends "$@" || status=$?
      fi
      [ "$status" -eq 0 ] && break
      if [ "$status" -eq 2 ] || [ "$try" -ge "$APT_TRIES" ]; then
        local tries=""
        [ "$status" -eq 2 ] || tries=" $try times"
        echo "setup: could not install $*: apt-get $step failed$tries:" >&2
        printf '  %s\n' "$APT_ERROR" >&2
        echo "setup: install these packages by hand (apt-get install $*), then run set-up again." >&2
        return 1
      fi
      echo "setup: apt-get $step failed (try $try of $APT_TRIES: $(printf '%s' "$APT_ERROR" | tail -n 1)); trying again in ${delay}s" >&2
      sleep "$delay"
      try=$((try + 1))
      delay=$((delay * 2))
    done
  done
}
