from django.urls import include, path

from supergrid.web import FEDERATION_PREFIX

from . import views

app_name = "runs"

federation_patterns = [
    path("live/", views.live, name="live"),
    path("runs/", views.runs, name="runs"),
    path("runs/launch/", views.launch_run, name="launch_run"),
    path("runs/compare/", views.compare, name="compare"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/logs/", views.run_logs, name="run_logs"),
    path("runs/<int:run_id>/stop/", views.stop_run, name="stop_run"),
    path("runs/<int:run_id>/<str:what>", views.run_download, name="download"),
]

urlpatterns = [
    path("runs/", views.all_runs, name="all"),
    path("federations/live/", views.dashboard_live, name="dashboard_live"),
    path("examples/quickstart-numpy.fab", views.example_fab, name="example_fab"),
    path(FEDERATION_PREFIX, include(federation_patterns)),
]
