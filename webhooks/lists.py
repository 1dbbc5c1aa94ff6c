"""The Settings tab's last delivery of each webhook (``recent_deliveries(…, 1)``), read in SQL (a list
`make bench` measures at its bound: five webhooks of a federation, each with a long history).

One statement for every webhook of the federation: each webhook's newest deliveries by the index
``webhooks_delivery_recent``, without their bodies. A compound of one ``SELECT … LIMIT`` per webhook, so
PostgreSQL and SQLite each read only the rows shown (at most MAX_WEBHOOKS of them, so at most that many
statement texts to prepare).
"""

from supergrid.db import as_datetime, execute

from .models import Delivery

ONE_WEBHOOK = f"""
    SELECT * FROM (
        SELECT id, webhook_id, event, created_at, status, status_code, error, next_attempt_at, attempts
        FROM {Delivery._meta.db_table}
        WHERE webhook_id = %(webhook_{{n}})s
        ORDER BY created_at DESC, id DESC  -- webhooks_delivery_recent
        LIMIT %(limit)s
    ) AS recent_{{n}}
"""


def recent_deliveries(webhook_ids: list[int], limit: int) -> dict[int, list[dict]]:
    """Each webhook's ``limit`` newest deliveries, newest first, by webhook id."""
    found: dict[int, list[dict]] = {webhook_id: [] for webhook_id in webhook_ids}
    if not webhook_ids:
        return found
    sql = " UNION ALL ".join(ONE_WEBHOOK.format(n=n) for n in range(len(webhook_ids)))
    params: dict[str, object] = {f"webhook_{n}": webhook_id for n, webhook_id in enumerate(webhook_ids)}
    params["limit"] = limit
    for row in execute(sql, params, prepare=True):
        for name in ("created_at", "next_attempt_at"):
            row[name] = as_datetime(row[name])
        found[row["webhook_id"]].append(row)
    for rows in found.values():  # a compound keeps no order of its own
        rows.sort(key=lambda row: (row["created_at"], row["id"]), reverse=True)
    return found
