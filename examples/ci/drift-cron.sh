#!/usr/bin/env bash
# Drift detection from cron, without CI: run every 15 minutes with
#
#   */15 * * * * /opt/curator/drift-cron.sh
#
# curator drift exits 0 when the cloud matches the last applied revision,
# 2 when it drifted, 1 on error. Alternatively, keep one process running:
#
#   curator watch --git https://github.com/acme/galleries --path galleries \
#     --schedule "*/15 * * * *" --plan-only --listen 127.0.0.1:9090
#
# and alert on the curator_drift gauge of /metrics.
set -u
cd /opt/curator/galleries || exit 1
git pull --quiet --ff-only || exit 1
curator drift . -o markdown > /var/log/curator/drift.md
case $? in
  0) ;;
  2) mail -s "curator: Azure Compute Gallery drifted" platform@example.com < /var/log/curator/drift.md ;;
  *) mail -s "curator: drift check failed" platform@example.com < /var/log/curator/drift.md ;;
esac
