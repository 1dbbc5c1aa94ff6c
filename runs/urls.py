from django.urls import include, path, register_converter

from supergrid.web import FEDERATION_PREFIX

from .views import all_runs, artifacts, compare, emails, live, run, tab

app_name = "runs"


class RunIdConverter:
    """Flower's run ids are unsigned 64-bit: a longer number is no run of ours (404), not a crash."""

    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        run_id = int(value)
        if run_id >= 2**64:
            raise ValueError(value)
        return run_id

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RunIdConverter, "run_id")

federation_patterns = [
    path("live/", live.live, name="live"),
    path("runs/", tab.runs, name="runs"),
    path("runs/launch/", tab.launch_run, name="launch_run"),
    path("runs/compare/", compare.compare, name="compare"),
    path("runs/<run_id:run_id>/", run.run_detail, name="run"),
    path("runs/<run_id:run_id>/logs/", run.run_logs, name="run_logs"),
    path("runs/<run_id:run_id>/stop/", run.stop_run, name="stop_run"),
    path("runs/<run_id:run_id>/artifacts/", artifacts.download, name="artifacts"),
    path("runs/<run_id:run_id>/<str:what>", run.run_download, name="download"),
]

urlpatterns = [
    path("runs/", all_runs.all_runs, name="all"),
    path("profile/run-emails/", emails.save_run_emails, name="emails"),
    path("federations/live/", live.dashboard_live, name="dashboard_live"),
    path("examples/quickstart-numpy.fab", tab.example_fab, name="example_fab"),
    path(FEDERATION_PREFIX, include(federation_patterns)),
]
