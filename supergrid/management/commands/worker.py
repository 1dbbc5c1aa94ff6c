from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.tasks.base import TaskResultStatus
from django.utils import timezone

# A task still "running" after this long belongs to a worker that was killed: run it again.
STALE_AFTER = timedelta(minutes=5)


class Command(BaseCommand):
    help = (
        "Run the task worker (emails, housekeeping) on the database queue. Tasks a killed worker left "
        "running are queued again first, so nothing is lost when the worker restarts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Process what is queued, then exit.")

    def handle(self, *args, batch=False, **options):
        from django_tasks_db.models import DBTaskResult

        requeued = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - STALE_AFTER
        ).update(status=TaskResultStatus.READY, started_at=None)
        if requeued:
            self.stdout.write(f"Queued {requeued} task(s) again that a stopped worker left unfinished.")
        worker_options = {"queue_name": "*", "reload": False, "no_startup_delay": True, "batch": batch}
        call_command("db_worker", **worker_options)
