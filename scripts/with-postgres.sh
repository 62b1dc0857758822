#!/usr/bin/env bash
# Start a throwaway PostgreSQL on a private port and socket, run the given command with
# STEWARD_TEST_PG_URL pointing at it, tear it down. Installs Debian's server when missing.
set -euo pipefail

find_bindir() {
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

BINDIR=$(find_bindir || true)
if [ -z "$BINDIR" ]; then
  echo "with-postgres: PostgreSQL server binaries missing; installing Debian's postgresql" >&2
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
  else
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
  fi
  BINDIR=$(find_bindir)
fi

TMP=$(mktemp -d)
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: use the postgres account (or make one).
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$TMP"
  RUNAS=(runuser -u postgres --)
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

cleanup() {
  "${RUNAS[@]}" "$BINDIR/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

"${RUNAS[@]}" "$BINDIR/initdb" -D "$TMP/data" -U steward --auth=trust -E UTF8 >/dev/null
OPTIONS="-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
"${RUNAS[@]}" "$BINDIR/pg_ctl" -D "$TMP/data" -l "$TMP/log" -w -t 60 -o "$OPTIONS" start >/dev/null

# The server's stop and start, for the test that restarts it while Steward runs
# (tests/bot/test_postgres_restart.py): STEWARD_TEST_PG_STOP / STEWARD_TEST_PG_START.
printf '#!/usr/bin/env bash\nexec %s %q -D %q -m fast -w stop >/dev/null\n' "${RUNAS[*]}" "$BINDIR/pg_ctl" "$TMP/data" \
  >"$TMP/pg-stop"
printf '#!/usr/bin/env bash\nexec %s %q -D %q -l %q -w -t 60 -o %q start >/dev/null\n' "${RUNAS[*]}" "$BINDIR/pg_ctl" \
  "$TMP/data" "$TMP/log" "$OPTIONS" >"$TMP/pg-start"
chmod 755 "$TMP/pg-stop" "$TMP/pg-start"
export STEWARD_TEST_PG_STOP="$TMP/pg-stop" STEWARD_TEST_PG_START="$TMP/pg-start"
"${RUNAS[@]}" "$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U steward steward_test

export STEWARD_TEST_PG_URL="postgresql+asyncpg://steward@127.0.0.1:$PORT/steward_test"
export STEWARD_REQUIRE_PG=1
"$@"
