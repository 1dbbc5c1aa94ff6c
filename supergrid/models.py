from django.db import models


class WorkerHeartbeat(models.Model):
    """A task worker saying it is alive. Tasks left running by a worker that stopped beating are queued again."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Tally(models.Model):
    """A count kept across processes and restarts (emails sent by the worker, read by /metrics in the
    portal): one row per name, only ever increased (``supergrid.metrics.tally``)."""

    name = models.CharField(max_length=64, primary_key=True)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.count}"
