"""A small Celery app for the exporter's demo (`make run`) and tests: tasks that succeed, fail, retry, get rejected or revoked.

Configured from the environment so that each test has its own event exchange and task queue on a shared broker:
  CELERY_BROKER_URL      amqp://guest:guest@127.0.0.1:5672//
  CELERY_EVENT_EXCHANGE  the event exchange (Celery's default is celeryev)
  CELERY_TASK_QUEUE      the queue tasks are sent to and the worker consumes

Run as a worker:  python3 -m celery -A jobexporter_celery_app worker -E ...
Send tasks:       python3 jobexporter_celery_app.py send OK FAIL FLAKY REJECT REVOKE
Demo traffic:     python3 jobexporter_celery_app.py demo TASKS_PER_SECOND   (until stopped)
"""
import os
import random
import sys
import time
import uuid

from celery import Celery
from celery.exceptions import Reject

app = Celery("jobexporter_celery_app", broker=os.environ["CELERY_BROKER_URL"])
app.conf.update(
    event_exchange=os.environ.get("CELERY_EVENT_EXCHANGE", "celeryev"),
    task_default_queue=os.environ.get("CELERY_TASK_QUEUE", "celery"),
    # task-sent comes from the client, and only when asked for: it carries the task's queue.
    task_send_sent_event=True,
    worker_send_task_events=True,
    broker_connection_retry_on_startup=True,
    worker_prefetch_multiplier=1,
)


@app.task
def add(x, y):
    return x + y


@app.task
def fail():
    raise ValueError("this task always fails")


@app.task(bind=True, max_retries=5)
def flaky(self):
    """Fails twice with ConnectionError, retried at once each time, then succeeds."""
    if self.request.retries < 2:
        raise self.retry(exc=ConnectionError("connection reset"), countdown=0)
    return "ok"


@app.task(acks_late=True)
def refuse():
    """Rejects its message without requeueing it (a late ack is needed for the worker to reject)."""
    raise Reject("refused", requeue=False)


def send(ok, failing, flaky_count, rejected, revoked):
    for i in range(ok):
        add.apply_async((i, 1))
    for _ in range(failing):
        fail.apply_async()
    for _ in range(flaky_count):
        flaky.apply_async()
    for _ in range(rejected):
        refuse.apply_async()
    for _ in range(revoked):
        # Revoked before it is sent, with the worker's reply awaited: the worker then drops it on arrival. One worker
        # answers (limit=1); without a limit the broadcast waits for more replies until the whole timeout.
        task_id = str(uuid.uuid4())
        replies = app.control.revoke(task_id, reply=True, timeout=30, limit=1)
        if not replies:
            sys.exit("no worker answered the revoke")
        add.apply_async((0, 0), task_id=task_id)


def demo(per_second):
    """Steady traffic for the demo: mostly successes, some failures and retries."""
    while True:
        started = time.monotonic()
        for _ in range(per_second):
            roll = random.random()
            if roll < 0.1:
                fail.apply_async()
            elif roll < 0.2:
                flaky.apply_async()
            else:
                add.apply_async((random.randint(0, 100), 1))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


if __name__ == "__main__" and len(sys.argv) == 7 and sys.argv[1] == "send":
    send(*(int(n) for n in sys.argv[2:]))
elif __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "demo":
    demo(int(sys.argv[2]))
