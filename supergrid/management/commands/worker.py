"""The task worker (emails): django-tasks-db's worker with a lease on every task it runs.

Delivery is at least once. A worker beats every HEARTBEAT_SECONDS while it lives; a task still marked
running whose worker has not beaten for LEASE_SECONDS belongs to a worker that died (killed, out of
memory, its machine gone) and is queued again by any worker, so a task interrupted mid-send is sent
within LEASE_SECONDS plus a poll. A worker that lives never has its tasks taken, so in the normal case
nothing is sent twice; only an email cut off after the mail server accepted it, but before the worker
recorded that, is sent again.
"""

import logging
import threading
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection, transaction
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from supergrid.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
LEASE_SECONDS = 30  # six missed beats: long enough for a database hiccup, short enough for an email
FORGET_WORKERS_AFTER = timedelta(days=1)


def beat(worker_id: str) -> None:
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"beat_at": timezone.now()})


def requeue_abandoned(now=None) -> int:
    """Queue again the tasks whose worker stopped beating; returns how many."""
    now = now or timezone.now()
    expired = now - timedelta(seconds=LEASE_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(beat_at__gte=expired).values_list("worker_id", flat=True))
    requeued = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for task_id, worker_ids, started_at in running.values_list("id", "worker_ids", "started_at"):
            owner = worker_ids[-1] if worker_ids else None
            if owner in alive or (started_at is not None and started_at >= expired):
                continue  # its worker lives, or it started so recently that a first beat may be on its way
            requeued += DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
            logger.warning("Queued task %s again: its worker %s stopped (no heartbeat)", task_id, owner)
    return requeued


class Heartbeat(threading.Thread):
    """From its own thread (and database connection), even while a task runs: beat, then take back the
    tasks of workers that stopped beating."""

    def __init__(self, worker_id: str):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    close_old_connections()
                    beat(self.worker_id)
                    requeue_abandoned()
                except Exception:
                    logger.exception("The worker's heartbeat could not be written; trying again")
        finally:
            connection.close()


class Command(BaseCommand):
    help = (
        "Run the task worker (emails) on the database queue. Tasks a stopped worker left running are "
        f"queued again once its {LEASE_SECONDS} s lease runs out, so nothing is lost when a worker dies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Process what is queued, then exit.")

    def handle(self, *args, batch=False, **options):
        worker_id = get_random_string(32)
        worker = Worker(
            queue_names=["*"],
            interval=1,
            batch=batch,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        beat(worker_id)
        WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - FORGET_WORKERS_AFTER).delete()
        if requeued := requeue_abandoned():
            self.stdout.write(f"Queued {requeued} task(s) again that a stopped worker left unfinished.")
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        if not batch:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            heartbeat.stopped.set()
            heartbeat.join(timeout=HEARTBEAT_SECONDS)
