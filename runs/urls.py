from django.urls import include, path, register_converter

from supergrid.web import FEDERATION_PREFIX

from . import views

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
    path("live/", views.live, name="live"),
    path("runs/", views.runs, name="runs"),
    path("runs/launch/", views.launch_run, name="launch_run"),
    path("runs/compare/", views.compare, name="compare"),
    path("runs/<run_id:run_id>/", views.run_detail, name="run"),
    path("runs/<run_id:run_id>/logs/", views.run_logs, name="run_logs"),
    path("runs/<run_id:run_id>/stop/", views.stop_run, name="stop_run"),
    path("runs/<run_id:run_id>/<str:what>", views.run_download, name="download"),
]

urlpatterns = [
    path("runs/", views.all_runs, name="all"),
    path("federations/live/", views.dashboard_live, name="dashboard_live"),
    path("examples/quickstart-numpy.fab", views.example_fab, name="example_fab"),
    path(FEDERATION_PREFIX, include(federation_patterns)),
]
