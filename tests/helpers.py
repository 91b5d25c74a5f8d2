"""Small helpers shared by test modules."""
from django.contrib.auth import get_user_model
from django.test import Client


def client_for(username: str) -> Client:
    """A client logged in as one of the demo users, without going through the login form."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client
