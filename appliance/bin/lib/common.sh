# Shared by bin/kmip-appliance and bin/run-tests: find a JDK, install missing system packages, build.
# shellcheck shell=bash

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
DIST_LIB="$REPO_ROOT/packaging/target/kmip-appliance/lib"

say() { printf '%s\n' "$*" >&2; }

java_major() { # prints the feature version of the JDK at $1, or nothing
  local release="$1/release"
  [ -r "$release" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

# Sets JAVA_HOME to a JDK 21+ (Helidon 4 needs it): $JAVA_HOME if it qualifies, else the newest in /usr/lib/jvm.
find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    export JAVA_HOME; return
  fi
  local best="" best_major=0 candidate major
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$candidate"; best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    say "No Java 21+ JDK found (JAVA_HOME is '${JAVA_HOME:-}', nothing suitable in /usr/lib/jvm)."
    say "Install one, e.g.: apt-get install openjdk-21-jdk-headless, or set JAVA_HOME to a JDK 21+."
    exit 1
  fi
  export JAVA_HOME="$best"
}

maven_options() {
  local opts="-Dorg.jooq.no-tips=true -Dorg.jooq.no-logo=true"
  # Maven's bundled Guava calls sun.misc.Unsafe, which JDK 24+ warns about unless allowed.
  if [ "$(java_major "$JAVA_HOME")" -ge 24 ]; then opts="--sun-misc-unsafe-memory-access=allow $opts"; fi
  export MAVEN_OPTS="${MAVEN_OPTS:-} $opts"
}

# The interpreter PyKMIP must import in: Debian's python3-pykmip installs for /usr/bin/python3.
PYTHON="${KMIP_APPLIANCE_PYTHON:-/usr/bin/python3}"

# Whether a probe is satisfied. An absolute path must exist; "python3-MODULE" must import in an isolated interpreter
# (-I: no PYTHONPATH, no user site, no working directory on sys.path) started from /, so that no folder of the
# working directory can stand in for the module (the repository's own kmip/ once passed for PyKMIP); anything else
# is a command on PATH.
probe_satisfied() {
  local probe="$1"
  if [[ "$probe" == /* ]]; then
    [ -e "$probe" ]
  elif [[ "$probe" == python3-* ]]; then
    (cd / && "$PYTHON" -I -c "import ${probe#python3-}") >/dev/null 2>&1
  else
    command -v "$probe" >/dev/null 2>&1
  fi
}

# missing_packages "probe:package" ...: prints, one per line, the packages whose probe is not satisfied.
missing_packages() {
  local pair
  for pair in "$@"; do
    probe_satisfied "${pair%%:*}" || printf '%s\n' "${pair#*:}"
  done
}

# ensure_packages "probe:package" ...: installs the Debian packages whose probe is missing.
ensure_packages() {
  local missing=()
  mapfile -t missing < <(missing_packages "$@")
  [ ${#missing[@]} -eq 0 ] && return
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "Missing system packages: ${missing[*]}"
    say "Install them as root, e.g.: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "Installing ${missing[*]} (apt-get) ..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  local still
  still=$(missing_packages "$@")
  if [ -n "$still" ]; then
    say "apt-get installed ${missing[*]}, but these are still not usable: $still"
    exit 1
  fi
}

# Builds the distribution when it is missing or older than any source file.
build_if_needed() {
  local marker="$DIST_LIB/appliance-0.1.0-SNAPSHOT.jar"
  if [ -f "$marker" ] && [ -z "$(find "$REPO_ROOT" -path "$REPO_ROOT/var" -prune -o -path '*/target' -prune -o \
       -type f \( -name '*.java' -o -name 'pom.xml' -o -name '*.sql' -o -name '*.yaml' \) -newer "$marker" -print -quit)" ]; then
    return
  fi
  say "Building the appliance (first run or sources changed) ..."
  # The jars only: the RPM (packaging/bin/build-rpm) is not needed to run from the source tree.
  (cd "$REPO_ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -Dexec.skip=true package -pl packaging -am) || {
    say "The build failed; see the Maven output above."; exit 1; }
  # Maven leaves a jar whose classes did not change as it was; the marker must be newer than the sources built.
  touch "$marker"
}
