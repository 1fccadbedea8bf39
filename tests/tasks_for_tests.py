"""A task for testing the queue itself."""

from django_tasks import task


@task()
def ping():
    return "pong"
