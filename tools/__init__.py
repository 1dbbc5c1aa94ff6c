"""Tooling that lives apart from the apps (which never import it): the bench, the process helpers it
shares with the Flower tests, and their own tests in tools/tests/."""
