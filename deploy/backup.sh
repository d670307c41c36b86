#!/bin/sh
# Back up the Campaign Monitor database, keeping 14 daily and 8 weekly (Sunday) copies.
#
#   backup.sh postgres          pg_dump (custom format) of $PGDATABASE; connection from the usual
#                               PG* variables (PGHOST, PGUSER, PGPASSWORD or ~/.pgpass)
#   backup.sh sqlite FILE.db    a consistent copy with SQLite's online .backup (safe while the
#                               collector writes; never copy the .db file with cp)
#
# BACKUP_DIR (default /var/backups/campaign-monitor), KEEP_DAILY (14), KEEP_WEEKLY (8).
# Restore: pg_restore --clean --if-exists -d monitor FILE.dump | sqlite: stop the services, copy
# the .db back in place, remove any -wal/-shm beside it, start them.
# Run nightly from cron or a systemd timer, e.g. /etc/cron.d/campaign-monitor:
#   15 2 * * * postgres BACKUP_DIR=/var/backups/campaign-monitor /opt/campaign-monitor/deploy/backup.sh postgres
# and copy BACKUP_DIR off the machine (restic, rclone, the organisation's backup agent).
set -eu

kind=${1:?usage: backup.sh postgres | backup.sh sqlite FILE.db}
dir=${BACKUP_DIR:-/var/backups/campaign-monitor}
keep_daily=${KEEP_DAILY:-14}
keep_weekly=${KEEP_WEEKLY:-8}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
umask 077
mkdir -p "$dir/daily" "$dir/weekly"

case "$kind" in
  postgres)
    out="$dir/daily/monitor-$stamp.dump"
    pg_dump --format=custom --compress=6 --no-owner --file="$out.part" "${PGDATABASE:-monitor}"
    pg_restore --list "$out.part" >/dev/null        # the dump is readable, or fail here
    ;;
  sqlite)
    db=${2:?usage: backup.sh sqlite FILE.db}
    out="$dir/daily/monitor-$stamp.db.gz"
    copy="$dir/daily/.monitor-$stamp.db"
    sqlite3 "$db" ".backup '$copy'"
    test "$(sqlite3 "$copy" 'PRAGMA integrity_check;')" = ok   # the copy is whole, or fail here
    gzip -6 -c "$copy" > "$out.part"
    rm -f "$copy"
    ;;
  *)
    echo "backup.sh: unknown kind '$kind' (postgres or sqlite)" >&2
    exit 2
    ;;
esac
mv "$out.part" "$out"

# On Sundays (UTC) keep a weekly copy as well.
if [ "$(date -u +%u)" = 7 ]; then
  cp "$out" "$dir/weekly/"
fi

# Rotation: newest first, drop everything past the limits.
prune() {
  ls -1t "$1" | tail -n +"$(($2 + 1))" | while read -r old; do rm -f "$1/$old"; done
}
prune "$dir/daily" "$keep_daily"
prune "$dir/weekly" "$keep_weekly"
echo "backup written: $out ($(du -h "$out" | cut -f1))"
