#!/usr/bin/env bash
# Start Debian's PostgreSQL on 127.0.0.1:5432 and create the test role and database.
# Idempotent: does nothing that is already done.
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
if ! pg_lsclusters -h | grep -q .; then
  $SUDO pg_createcluster "$version" main >/dev/null
fi
cluster=$(pg_lsclusters -h | head -n1)
ver=$(echo "$cluster" | awk '{print $1}'); name=$(echo "$cluster" | awk '{print $2}'); state=$(echo "$cluster" | awk '{print $4}')
if [ "$state" != "online" ]; then
  $SUDO pg_ctlcluster "$ver" "$name" start
fi
for _ in $(seq 1 30); do
  (cd /tmp && as_postgres psql -qtAc "select 1") >/dev/null 2>&1 && break
  sleep 1
done
psql_as_postgres() { (cd /tmp && as_postgres psql -v ON_ERROR_STOP=1 -qtA "$@"); }
if [ "$(psql_as_postgres -c "select 1 from pg_roles where rolname='monitor_test'")" != "1" ]; then
  psql_as_postgres -c "create role monitor_test login password 'monitor_test' createdb createrole"
fi
# createrole: tests/test_grants.py creates a dashboard reader role as the deploy guide does
# (`campaign-monitor db grant-reader`) and drops it afterwards.
if [ "$(psql_as_postgres -c "select rolcreaterole from pg_roles where rolname='monitor_test'")" != "t" ]; then
  psql_as_postgres -c "alter role monitor_test createrole"
fi
if [ "$(psql_as_postgres -c "select 1 from pg_database where datname='monitor_test'")" != "1" ]; then
  psql_as_postgres -c "create database monitor_test owner monitor_test"
fi
