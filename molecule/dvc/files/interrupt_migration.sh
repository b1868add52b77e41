#!/usr/bin/env bash
# Interrupts playbooks/dvc_migrate_remote.yml midway for one test host: starts it, and as soon
# as the new (SFTP) remote holds some objects, kills the playbook and the host's `dvc push`, as
# a power cut or a Ctrl-C would. Prints how many files the remote then holds.
#   interrupt_migration.sh HOST REMOTE_DIR   (run by side_effect.yml on the controller)
set -euo pipefail
host=$1 remote_dir=$2
count() { docker exec dvc-remotes sh -c "find '$remote_dir' -type f 2>/dev/null | wc -l"; }

setsid ansible-playbook -i "$MOLECULE_EPHEMERAL_DIRECTORY/inventory" -l "$host" \
  "$MOLECULE_PROJECT_DIRECTORY/playbooks/dvc_migrate_remote.yml" \
  >"$MOLECULE_EPHEMERAL_DIRECTORY/interrupted-migration-$host.log" 2>&1 &
pid=$!
for _ in $(seq 1200); do
  [ "$(count)" -gt 0 ] && break
  kill -0 "$pid" 2>/dev/null || { echo "the migration ended before any object arrived" >&2; exit 1; }
  sleep 0.1
done
kill -KILL -- "-$pid" 2>/dev/null || true
docker exec "$host" pkill -KILL -f 'bin/dvc push' || true
wait "$pid" 2>/dev/null || true
sleep 1
count
