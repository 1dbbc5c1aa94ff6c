from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "federations/dashboard.html", {"nav_section": "federations"})


@login_required
def supernodes(request: HttpRequest) -> HttpResponse:
    return render(request, "federations/supernodes.html", {"nav_section": "supernodes"})
