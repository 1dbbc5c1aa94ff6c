from django.urls import path

from supergrid.web import FEDERATION_PREFIX

from . import hub, tab, views

app_name = "hub"

API = "api/hub/v1/hub/"  # FLWR_SUPERGRID_API_URL is <PORTAL_URL>/api/hub/v1; flwr appends hub/…

urlpatterns = [
    path(f"{API}fetch-fab", hub.fetch_fab, name="fetch_fab"),
    path(f"{API}fetch-zip", hub.fetch_zip, name="fetch_zip"),
    path(f"{API}fab/<str:token>", hub.fab, name="fab"),
    path(f"{API}zip/<str:token>", hub.source, name="zip"),
    path(f"{API}apps", hub.apps, name="apps"),
    path(f"{API}apps/publish", hub.publish, name="publish"),
    path(f"{API}apps/signature", hub.signature, name="signature"),
    path("apps/", views.app_list, name="list"),
    path("apps/@<str:owner>/<str:name>/", views.app_page, name="app"),
    path("apps/@<str:owner>/<str:name>/run/", views.run_app, name="run"),
    path("apps/@<str:owner>/<str:name>/visibility/", views.visibility, name="visibility"),
    path(f"{FEDERATION_PREFIX}apps/", tab.federation_apps, name="federation_apps"),
    path(f"{FEDERATION_PREFIX}apps/add/", tab.add_app, name="add_app"),
    path(f"{FEDERATION_PREFIX}apps/remove/", tab.remove_app, name="remove_app"),
]
