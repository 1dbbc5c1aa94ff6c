from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from supergrid.urls import urlpatterns as portal_patterns


@login_required
def empty(request):
    """The floor: the base template, signed in, nothing else."""
    return render(request, "base.html")


urlpatterns = [path("bench/empty/", empty, name="bench_empty"), *portal_patterns]
