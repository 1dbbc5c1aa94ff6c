from django.db import models


class WorkerHeartbeat(models.Model):
    """A task worker saying it is alive. Tasks left running by a worker that stopped beating are queued again."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
