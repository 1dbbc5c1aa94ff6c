"""The run pages with no SuperLink running, and the example app's download."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from superlink.fab import inspect_fab

pytestmark = pytest.mark.django_db


def test_run_pages_say_when_the_superlink_is_down(client, federation, member, outsider):
    client.force_login(member)
    assertContains(
        client.get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": 5})), "SuperLink unreachable"
    )
    client.force_login(outsider)
    assert client.get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": 5})).status_code == 404


def test_stop_and_logs_say_when_the_superlink_is_down(client, federation, member):
    client.force_login(member)
    kwargs = {**federation.url_kwargs(), "run_id": 5}
    stop = client.post(reverse("runs:stop_run", kwargs=kwargs), follow=True)
    assertContains(stop, "SuperLink unreachable")
    logs = client.get(reverse("runs:run_logs", kwargs=kwargs), {"after": "1.5"})
    assertContains(logs, "SuperLink unreachable")


def test_example_app_downloads_as_a_valid_fab(client, user):
    assert client.get(reverse("runs:example_fab")).status_code == 302
    client.force_login(user)
    response = client.get(reverse("runs:example_fab"))
    assert response["Content-Disposition"] == 'attachment; filename="quickstart-numpy.fab"'
    assert "num-server-rounds" in inspect_fab(response.content).run_config
