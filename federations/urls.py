from django.urls import path

from . import views

app_name = "federations"

urlpatterns = [
    path("federations/", views.dashboard, name="dashboard"),
    path("supernodes/", views.supernodes, name="supernodes"),
]
