import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from accounts.models import DeploymentAccessRequest

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    return client


def test_request_needs_sign_in_and_post(client, user):
    target = reverse("request_deployment_access")
    assert client.post(target, {"reason": "x"}).status_code == 302
    client.force_login(user)
    assert client.get(target).status_code == 405
    assert not DeploymentAccessRequest.objects.exists()


def test_user_requests_access_and_sees_it_pending(client, user):
    client.force_login(user)
    response = client.post(reverse("request_deployment_access"), {"reason": "Hospital pilot with 3 sites"})
    assertRedirects(response, reverse("profile"))
    assertContains(client.get(reverse("profile")), "is waiting for an operator")
    assert DeploymentAccessRequest.objects.get().reason == "Hospital pilot with 3 sites"


def test_one_open_request_per_user(client, user):
    client.force_login(user)
    client.post(reverse("request_deployment_access"), {"reason": "first"})
    response = client.post(reverse("request_deployment_access"), {"reason": "second"}, follow=True)
    assertContains(response, "already have an open request")
    assert DeploymentAccessRequest.objects.count() == 1


def test_empty_reason_is_a_field_error(client, user):
    client.force_login(user)
    response = client.post(reverse("request_deployment_access"), {"reason": "   "})
    assert response.status_code == 400
    assert response.context["access_form"].errors["reason"]
    assert not DeploymentAccessRequest.objects.exists()


@pytest.mark.parametrize(
    ("action", "granted", "shown", "subject"),
    [("approve", True, "Granted", "Deployment access granted"), ("deny", False, "was denied", "request denied")],
)
def test_operator_decides_in_the_admin_and_the_user_sees_it_and_is_emailed(
    client, operator_client, action, granted, shown, subject, mailoutbox, django_capture_on_commit_callbacks
):
    requester = UserFactory(username="requester")
    access_request = DeploymentAccessRequest.objects.create(user=requester, reason="Three hospitals, one model")
    changelist = reverse("admin:accounts_deploymentaccessrequest_changelist")
    assertContains(operator_client.get(changelist), "Three hospitals, one model")  # the reason, in the list
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(changelist, {"action": action, "_selected_action": [access_request.pk]})
    assert [mail.to for mail in mailoutbox] == [[requester.email]]
    assert subject in mailoutbox[0].subject
    assert "/profile/#deployment-access" in mailoutbox[0].body
    requester.refresh_from_db()
    access_request.refresh_from_db()
    assert requester.has_deployment_access is granted
    assert access_request.status == ("approved" if granted else "denied")
    client.force_login(requester)
    assertContains(client.get(reverse("profile")), shown)


def test_granting_access_from_the_user_admin_closes_the_open_request(operator_client):
    requester = UserFactory(username="requester")
    access_request = DeploymentAccessRequest.objects.create(user=requester, reason="please")
    operator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "grant_deployment_access", "_selected_action": [requester.pk]},
    )
    access_request.refresh_from_db()
    assert access_request.status == "approved"
