from django.urls import include, path

from supergrid.web import FEDERATION_PREFIX

from . import views

app_name = "webhooks"

federation_patterns = [
    path("settings/webhooks/add/", views.add_webhook, name="add"),
    path("settings/webhooks/<int:webhook_id>/", views.webhook_page, name="detail"),
    path("settings/webhooks/<int:webhook_id>/remove/", views.remove_webhook, name="remove"),
    path("settings/webhooks/deliveries/<int:delivery_id>/redeliver/", views.redeliver, name="redeliver"),
]

urlpatterns = [path(FEDERATION_PREFIX, include(federation_patterns))]
