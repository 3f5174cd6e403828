"""Two real Celery workers (separate processes, two prefork children each) route a burst of
conversations at once against PostgreSQL, with agents at capacity: nobody goes over
capacity and no ticket is assigned twice (row locks: the queue's rows with SKIP LOCKED,
the agents' rows before their load is counted)."""
from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create, team_create
from inbox.enums import TicketEventType, TicketStatus
from inbox.models import Customer, Ticket, TicketEvent
from inbox.tasks import route_tickets
from routing.models import PresenceStatus, RoutingProfile
from routing.tasks import route_queue
from tests.conftest import _missing_services, skip_or_fail, worker_env
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent.parent
AGENTS, CAPACITY, TICKETS = 6, 3, 40


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[list[Path]]:
    missing = _missing_services()
    if missing:
        skip_or_fail(", ".join(missing))
    # No flushdb here: the session's worker declared its queues' bindings in this Redis
    # database, and a routing task published after they were wiped went nowhere.
    env = worker_env()
    procs, logs = [], []
    for n in (1, 2):
        log = tmp_path / f"worker{n}.log"
        with open(log, "wb") as out:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-c", "2", "-Q", "routing",
                 "-n", f"routing{n}@%h", "-l", "info", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "--prefetch-multiplier", "1"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            ))
        logs.append(log)
    deadline = time.time() + 60
    while not all(b"ready." in log.read_bytes() for log in logs):
        if any(p.poll() is not None for p in procs) or time.time() > deadline:
            for p in procs:
                p.kill()
            pytest.fail("workers did not start:\n" + "\n".join(log.read_text(errors="replace")[-2000:] for log in logs))
        time.sleep(0.2)
    yield logs
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def test_two_workers_never_overfill_an_agent_nor_assign_a_ticket_twice(two_workers: list[Path]) -> None:
    brand = Brand.objects.create(name="Acme")
    account = BrandAccount.objects.create(brand=brand, platform="x", handle="@AcmeCare")
    now = timezone.now()
    agents = [
        agent_create(username=f"a{i}", password=f"pw-a{i}-12345", display_name=f"Agent {i}") for i in range(AGENTS)
    ]
    team_create(name="Acme care", brands=[brand], members=agents)
    RoutingProfile.objects.bulk_create([
        RoutingProfile(user=a, capacity=CAPACITY, presence=PresenceStatus.ONLINE, heartbeat_at=now, active_at=now)
        for a in agents
    ])
    # Two already have one each: the counts must come from the database, not from zero.
    busy = []
    for i in range(2):
        customer = Customer.objects.create(brand=brand, name=f"earlier {i}")
        busy.append(Ticket.objects.create(brand=brand, account=account, customer=customer, status=TicketStatus.OPEN,
                                          assignee=agents[i]))
    tickets = []
    for i in range(TICKETS):  # a burst: each new ticket routed by its own task, plus whole-queue passes
        customer = Customer.objects.create(brand=brand, name=f"customer {i}")
        ticket = Ticket.objects.create(brand=brand, account=account, customer=customer, status=TicketStatus.NEW,
                                       language="cs", waiting_since=timezone.now())
        tickets.append(ticket)
        route_tickets.delay([ticket.pk])
        if i % 4 == 0:
            route_queue.delay()
    capacity_total = AGENTS * CAPACITY - len(busy)

    def settled() -> bool:
        return Ticket.objects.filter(pk__in=[t.pk for t in tickets], assignee__isnull=False).count() >= capacity_total

    assert wait_for(settled, timeout=60), "the workers did not route the burst:\n" + "\n".join(
        log.read_text(errors="replace")[-3000:] for log in two_workers
    )
    time.sleep(2)  # tasks still queued get their chance to go wrong
    open_tickets = Ticket.objects.exclude(status=TicketStatus.SOLVED).filter(assignee__isnull=False)
    loads = Counter(open_tickets.values_list("assignee_id", flat=True))
    assert max(loads.values()) <= CAPACITY, loads
    assert sum(loads.values()) == AGENTS * CAPACITY
    events = TicketEvent.objects.filter(type=TicketEventType.ASSIGNED, ticket__in=tickets)
    assigned_events = Counter(events.values_list("ticket_id", flat=True))
    assert assigned_events and max(assigned_events.values()) == 1, "a ticket was assigned twice"
    # Both workers took part (the burst was split between them).
    assert all(b"routing." in log.read_bytes() or b"inbox.route_tickets" in log.read_bytes() for log in two_workers)
