"""A simulated day of customer care on PostgreSQL with real Celery workers (and beat), the
real web tier (runserver) and every channel's fake: customers write through each fake's
control endpoint (`POST /_fake/inbound`), the fakes push signed webhooks to Hovor or are
polled by it as in production, the workers ingest, classify and route; simulated agents go
Online through routing presence on the shift plan Hovor's staffing advice (Erlang C,
reports.staffing) recommends for the day's curve, each answers the conversations routing
gave them one at a time with a random handling time, through `ticket_reply` and the outbox,
and the workers deliver the replies to the fakes. One crisis spike of negative X mentions
hits one brand; the beat's `reports.crisis_watch` raises the alarm.

Time is compressed with a simulated clock (helpdesk/simclock.py): every Django process
(web, worker+beat, this script) reads `timezone.now()` as day start + real elapsed × SCALE,
and the fakes' `time.time()` likewise, so the platforms' timestamps agree. The leases and
sweep intervals Hovor counts in seconds are scaled with it (same real length as in
production); beat ticks stay in real seconds (the crisis watch every 5 simulated minutes).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hovor_careday_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        /work/main/.venv/bin/python bench/care_day.py [--small] [--tiny] [--json OUT]

Default: 24 simulated hours in 6 real minutes (SCALE 240), about 560 conversations.
Prints RESULT lines computed from the rows (messages, ticket events, notifications), and
REPORT lines: the same figures as reports.selectors/reports.metrics compute them."""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from setup_db import recreate_database  # noqa: E402

PY = sys.executable
ZONE = ZoneInfo("Europe/Prague")
DAY = datetime(2026, 3, 2, tzinfo=ZONE)  # a Monday, no holiday, no clock change
# Share of the day's conversations per local hour: quiet night, morning rise, lunch and evening peaks.
CURVE = [1, 0.6, 0.4, 0.3, 0.3, 0.6, 1.5, 3, 5, 6.5, 7, 7, 6.5, 6, 6, 5.5, 5.5, 6, 6.5, 6.5, 5.5, 4, 3, 1.8]
MIX = {"x": 26, "facebook": 14, "instagram": 10, "whatsapp": 14, "telegram": 10, "viber": 6, "email": 12, "chat": 8}
CRISIS_AT = timedelta(hours=14, minutes=3)
CRISIS_LINES = {
    "cs": "Aplikace zase nefunguje a nikdo nic neřeší, jste nejhorší, ostuda! 😡 #výpadek",
    "pl": "Aplikacja znowu nie działa, to skandal, najgorsza obsługa! 😡 #awaria",
    "bg": "Приложението пак не работи, ужасно обслужване, срамота! 😡",
    "en": "Your app is down AGAIN, this is terrible, worst service ever! 😡 #outage",
}
REPLIES = {
    "cs": "Dobrý den, omlouváme se, hned se na to díváme a ozveme se vám.",
    "pl": "Dzień dobry, przepraszamy, już to sprawdzamy i odezwiemy się.",
    "bg": "Здравейте, съжаляваме, вече проверяваме и ще се свържем с вас.",
    "en": "Hi, sorry about that, we're looking into it right now and will get back to you.",
}
NAMES = {
    "cs": ["Jana Nováková", "Petr Svoboda", "Zuzana Křížová", "Jiří Dvořák"],
    "pl": ["Marek Kowalski", "Anna Wiśniewska", "Łukasz Zieliński", "Zofia Wójcik"],
    "bg": ["Иван Петров", "Десислава Георгиева", "Мария Иванова", "Георги Димитров"],
    "en": ["Sarah Miller", "Tom Hughes", "Alex 🚀", "Kate Brown"],
}
PUBLIC_KINDS = {"mention", "comment", "reply", "post", "tweet"}
SHARE, TARGET_MINUTES = 90, 5  # the lead's choice on the staffing page: 90 % picked up within 5 min
HANDLING_MEDIAN = 3.0  # minutes; lognormal, 1..12 min


class Size:
    def __init__(self, conversations: int, crisis: int, real_minutes: float, hours: tuple[int, int],
                 lead_in: float = 60.0) -> None:
        self.conversations, self.crisis, self.real_minutes, self.hours = conversations, crisis, real_minutes, hours
        self.lead_in = lead_in  # real seconds for start-up before the simulated day's first hour

    @property
    def scale(self) -> float:
        return (self.hours[1] - self.hours[0]) * 3600 / (self.real_minutes * 60)


SIZES = {
    "default": Size(520, 40, 6.0, (0, 24)),
    "small": Size(140, 20, 2.0, (8, 16)),
    "tiny": Size(24, 12, 1.0, (12, 16), lead_in=30.0),  # its start-up takes about 15 s
}


def handling_minutes(rng: random.Random) -> float:
    return min(12.0, max(1.0, rng.lognormvariate(math.log(HANDLING_MEDIAN), 0.45)))


def arrivals(size: Size, rng: random.Random) -> list[tuple[timedelta, str, str, bool]]:
    """(offset from the day's midnight, platform, language, crisis?) for every conversation."""
    first, last = size.hours
    weights = CURVE[first:last]
    total = sum(weights)
    out = []
    platforms, mix = list(MIX), list(MIX.values())
    for i, w in enumerate(weights):
        for _ in range(round(size.conversations * w / total)):
            at = timedelta(hours=first + i, seconds=rng.uniform(0, 3600))
            out.append((at, rng.choices(platforms, mix)[0], rng.choice(["cs", "pl", "bg", "en"]), False))
    inside = first * 3600 <= CRISIS_AT.total_seconds() < last * 3600
    spike = CRISIS_AT if inside else timedelta(hours=first + 1, minutes=3)
    for _ in range(size.crisis):
        at = spike + timedelta(seconds=rng.uniform(0, 12 * 60))
        out.append((at, "x", rng.choice(["cs", "pl", "bg", "en"]), True))
    return sorted(out)


def expected_grid(size: Size) -> list[list[int]]:
    """The day's expected arrivals per hour (the curve), on its weekday, for the staffing advice."""
    first, last = size.hours
    total = sum(CURVE[first:last])
    grid = [[0] * 24 for _ in range(7)]
    for h in range(first, last):
        grid[DAY.weekday()][h] = round(size.conversations * CURVE[h] / total)
    return grid


class Stack:
    """The processes of the day, started as helpdesk/demo.py starts them."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.procs = env, logs, []  # type: list[subprocess.Popen[bytes]]
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        out = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the process)
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.time() + 15
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def wait_for(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def run(size_name: str, *, db_url: str, redis_url: str, web_port: int, fake_base: int, seed: int = 7) -> dict[str, Any]:
    size = SIZES[size_name]
    rng = random.Random(seed)
    scale = size.scale
    recreate_database(db_url)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    lead_in = size.lead_in
    day_start = DAY + timedelta(hours=size.hours[0])
    real0 = time.time() + lead_in
    clock = f"{day_start.timestamp()},{real0},{scale}"
    var = Path(os.environ.get("HOVOR_VAR_DIR", "/tmp/var-careday")) / "care_day"
    var.mkdir(parents=True, exist_ok=True)
    poll = f"{max(60 / scale, 0.2):.3f}"
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": db_url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "HOVOR_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
        "HOVOR_SIM_CLOCK": clock, "TIME_ZONE": "Europe/Prague", "DEBUG": "0", "CONN_MAX_AGE": "0",
        # Polled platforms (X, Telegram, email) every simulated minute (production: 15 s); a
        # real second here would be 4 simulated minutes of waiting no production setup has.
        "HOVOR_POLL_INTERVAL": poll, "HOVOR_POLL_INTERVAL_OFF_HOURS": poll,
        "HOVOR_CRISIS_INTERVAL": f"{300 / scale:.3f}", "HOVOR_CRISIS_MIN": "10",
        # What Hovor counts in seconds of its clock keeps its real length.
        "HOVOR_POLL_LEASE_SECONDS": str(30 * scale), "HOVOR_INGEST_LEASE_SECONDS": str(15 * scale),
        "HOVOR_SENDING_LEASE_SECONDS": str(15 * scale), "HOVOR_INGEST_GRACE_SECONDS": str(5 * scale),
        "HOVOR_STUCK_AFTER_SECONDS": str(int(120 * scale)), "HOVOR_HTTP_TIMEOUT": "5",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    })
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "HOVOR_VAR_DIR",
                                          "DJANGO_SETTINGS_MODULE", "LOG_LEVEL", "HOVOR_SIM_CLOCK", "TIME_ZONE",
                                          "CONN_MAX_AGE", "HOVOR_CRISIS_MIN")})
    logs = var / "logs"
    logs.mkdir(exist_ok=True)
    stack = Stack(env, logs)
    try:
        return _day(stack, env, size, rng, web_port=web_port, fake_base=fake_base, real0=real0,
                    day_start=day_start, var=var)
    finally:
        stack.stop()


def _fake_args(module: str, clock: str) -> list[str]:
    # The fake's own clock follows the simulation (its timestamps reach Hovor in payloads).
    return [PY, "-c", "import runpy,sys; from helpdesk.simclock import install_time; "
            f"install_time({clock!r}); sys.argv[0] = {module!r}; runpy.run_module({module!r}, run_name='__main__')"]


def _day(stack: Stack, env: dict[str, str], size: Size, rng: random.Random, *, web_port: int, fake_base: int,
         real0: float, day_start: datetime, var: Path) -> dict[str, Any]:
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    from fakes.demo import DemoRun, declared, ports

    web_url = f"http://127.0.0.1:{web_port}"
    demos = declared()
    port_of = ports(demos, fake_base)
    runs = {p: DemoRun(p, port_of[p], web_url) for p in demos}
    clock = env["HOVOR_SIM_CLOCK"]
    for p, demo in demos.items():
        if not demo.after_web:
            stack.start(f"fake-{p}", [*_fake_args(f"fakes.{p}", clock), *demo.command(runs[p])])
    for p, demo in demos.items():
        if not demo.after_web:
            wait_for(f"{runs[p].base_url}/_fake/outbound")
    ids_file = var / "accounts.json"
    subprocess.run(
        [PY, "manage.py", "seed_demo", *[f"--{p}-base-url={runs[p].base_url}" for p, d in demos.items() if d.base_url],
         "--web-url", web_url, "--write-ids", str(ids_file)], cwd=ROOT, env=env, check=True, capture_output=True)
    ids = json.loads(ids_file.read_text())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    team, agents, lead = _people(size)
    stack.start("worker", [PY, "-m", "celery", "-A", "helpdesk", "worker", "-B", "-c", "2", "-l", "warning",
                           "--without-gossip", "--without-mingle", "--without-heartbeat",
                           "-s", str(var / "celerybeat-schedule")])
    stack.start("web", [PY, "-m", "helpdesk.demo", "web", f"127.0.0.1:{web_port}"])
    wait_for(f"{web_url}/healthz")
    for p, demo in demos.items():
        if demo.after_web and p in ids:
            runs[p] = DemoRun(p, port_of[p], web_url, ids[p])
            stack.start(f"fake-{p}", [*_fake_args(f"fakes.{p}", clock), *demo.command(runs[p])])
    for p in runs:
        wait_for(f"{runs[p].base_url}/_fake/outbound")
    planned = [a for a in arrivals(size, rng) if a[1] in ids]
    platforms = sorted({a[1] for a in planned})
    print(f"# {len(planned)} conversations on {', '.join(platforms)}; {len(agents)} agents planned; "
          f"scale {size.scale:.0f}x; logs in {var / 'logs'}", flush=True)
    started = time.time() - (real0 - size.lead_in)
    print(f"# start-up took {started:.0f} s of the {size.lead_in:.0f} s lead", flush=True)
    day_end = day_start + timedelta(hours=size.hours[1] - size.hours[0])
    done = threading.Event()
    sender = threading.Thread(target=_send_all, args=(planned, runs, day_start, done), daemon=True)
    sender.start()
    _agents_work(agents, rng, until=lambda: done.is_set() and _all_answered(expect=len(planned)),
                 hard_end=day_end + timedelta(hours=3))
    time.sleep(3)  # the outbox's last deliveries
    return _results(day_start, day_end, size, planned, runs, lead)


def _people(size: Size) -> tuple[Any, list[Any], Any]:
    """One care team for both brands, its lead, and agents on the shift plan the staffing advice gives."""
    from django.contrib.auth.models import User

    from channels.models import Brand
    from inbox.enums import Role
    from inbox.models import AgentProfile, Team
    from reports.staffing import staffing
    from routing.actions import profile_update
    from shifts.actions import shift_plan_set, weekly_shift_add

    Team.members.through.objects.all().delete()  # the demo's agents stay out of the day
    team = Team.objects.create(name="Care day")
    team.brands.add(*Brand.objects.all())
    need = staffing(expected_grid(size), days=[1] * 7, handling=_mean_handling() * 60,
                    target_seconds=TARGET_MINUTES * 60, share=SHARE / 100)[DAY.weekday()]
    print("# staffing advice per hour: " + " ".join(f"{h:02d}:{n}" for h, n in enumerate(need)), flush=True)
    lead = User.objects.create_user("lead", password="care-day-lead", first_name="Lenka")
    AgentProfile.objects.create(user=lead, display_name="Lenka Vedoucí", role=Role.LEAD)
    team.members.add(lead)
    shift_plan_set(team=team, timezone="Europe/Prague", country="CZ")
    agents = []
    first_names = ["Jana", "Piotr", "Мария", "Tomáš", "Agnieszka", "Георги", "Eva", "Paweł", "Ива", "Karel",
                   "Zofia", "Борис", "Lucie", "Marek", "Елена", "Ondřej"]
    for k in range(max(need)):
        name = f"{first_names[k % len(first_names)]} Care{k + 1}"
        user = User.objects.create_user(f"agent{k + 1}", password=f"care-day-{k}", first_name=name.split()[0])
        AgentProfile.objects.create(user=user, display_name=name)
        team.members.add(user)
        # The simulated agents answer one conversation at a time (below), so, as a lead would
        # set it for such a person, routing gives each one at a time: a second one would wait
        # behind the first while a colleague is free (and Erlang C's plan assumes it does not).
        profile_update(user=user, languages=[], platforms=[], brands=[], capacity=1)
        hours = [h for h in range(24) if need[h] > k]
        last = size.hours[1] - 1
        if need[last] > k:  # the evening's last shift hands over: it stays an hour past the day
            hours.append(last + 1)
        for start, end in _blocks(hours):
            from datetime import time as t

            weekly_shift_add(team=team, user_id=user.pk, weekday=DAY.weekday(), starts=t(start),
                             ends=t(end % 24))
        agents.append(user)
    return team, agents, lead


def _blocks(hours: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for h in hours:
        if out and out[-1][1] == h:
            out[-1] = (out[-1][0], h + 1)
        else:
            out.append((h, h + 1))
    # Shifts of at most 8 hours (a weekly shift cannot span a whole day: 00:00-00:00 is empty).
    shifts = []
    for start, end in out:
        a = start
        while a < min(end, 24):
            b = end if end - a <= 9 else a + 8
            shifts.append((a, b))
            a = b
    return shifts


def _mean_handling() -> float:
    rng = random.Random(1)
    return statistics.mean(handling_minutes(rng) for _ in range(5000))


def _send_all(planned: list[tuple[timedelta, str, str, bool]], runs: dict[str, Any], day_start: datetime,
              done: threading.Event) -> None:
    import requests
    from django.utils import timezone

    from fakes.crowd import crowd_of

    midnight = DAY
    session = requests.Session()
    crowds = {p: crowd_of(p) for p in runs}
    for i, (offset, platform, lang, crisis) in enumerate(planned):
        at = midnight + offset
        while timezone.now() < at:
            time.sleep(0.01)
        crowd = crowds[platform]
        handle = f"@care{i:05d}"
        name = NAMES[lang][i % 4]
        if crisis:
            text, kind = CRISIS_LINES[lang], "mention"
        else:
            lines = (crowd.lines or {}).get(lang) or MESSAGES_FOR(lang)
            text = random.Random(i).choice(list(lines)).format(n=10000 + i)
            kind = random.Random(i).choice(list(crowd.kinds)) if crowd.kinds else ""
        body: dict[str, Any] = {"author": crowd.author(handle), "name": name, "text": text}
        if kind:
            body["kind"] = kind
        for _attempt in range(5):
            try:
                r = session.post(f"{runs[platform].base_url}/_fake/inbound", json=body, timeout=10)
                if r.status_code < 400:
                    break
                print(f"# {platform} fake said {r.status_code}: {r.text[:200]}", flush=True)
            except requests.RequestException as exc:
                print(f"# {platform} fake unreachable: {exc}", flush=True)
            time.sleep(0.2)
    done.set()


def MESSAGES_FOR(lang: str) -> list[str]:  # noqa: N802 (the crowd's shared lines)
    from fakes.crowd import MESSAGES

    return [line for line in MESSAGES[lang] if "Děkuji" not in line and "Dziękuję" not in line
            and "Благодаря" not in line and "Thanks" not in line] or MESSAGES[lang]


def _all_answered(*, expect: int) -> bool:
    """Every customer's message sent has arrived, and every conversation has a human reply."""
    from django.db.models import Exists, OuterRef

    from inbox.enums import Direction
    from inbox.models import Message, Ticket

    if Message.objects.filter(direction=Direction.IN, automated__isnull=True).count() < expect:
        return False
    human_out = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.OUT, author_user__isnull=False)
    return not Ticket.objects.exclude(Exists(human_out)).exists()


def _agents_work(agents: list[Any], rng: random.Random, *, until: Any, hard_end: datetime) -> None:
    """Each agent: Online while on shift (a heartbeat like the top bar's), one conversation at a
    time of those routing gave them, replying after a random handling time; off shift, they
    finish the one in hand and go Offline."""
    from django.db import close_old_connections
    from django.utils import timezone

    from inbox.actions.replies import ticket_reply
    from inbox.enums import TicketStatus
    from inbox.models import Ticket
    from routing.actions import presence_heartbeat, presence_set
    from routing.models import PresenceStatus
    from shifts.availability import on_shift_user_ids

    online: set[int] = set()
    current: dict[int, tuple[int, datetime]] = {}
    by_id = {a.pk: a for a in agents}
    last_beat = 0.0
    while True:
        now = timezone.now()
        if now > hard_end or until():
            break
        on = on_shift_user_ids(user_ids=list(by_id), at=now)
        for uid, user in by_id.items():
            if uid in on and uid not in online:
                presence_set(user=user, presence=PresenceStatus.ONLINE)
                online.add(uid)
            elif uid not in on and uid in online and uid not in current:
                presence_set(user=user, presence=PresenceStatus.OFFLINE)
                online.discard(uid)
        if time.monotonic() - last_beat > 0.15:
            for uid in online:
                presence_heartbeat(user=by_id[uid], idle_seconds=0)
            last_beat = time.monotonic()
        for uid in list(online):
            if uid not in current:
                ticket = (Ticket.objects.filter(assignee_id=uid, waiting_since__isnull=False)
                          .exclude(status=TicketStatus.SOLVED).order_by("waiting_since", "pk").first())
                if ticket is not None:
                    current[uid] = (ticket.pk, now + timedelta(minutes=handling_minutes(rng)))
            elif now >= current[uid][1]:
                ticket_id, _due = current.pop(uid)
                ticket = Ticket.objects.select_related("customer").get(pk=ticket_id)
                if ticket.assignee_id == uid and ticket.waiting_since is not None:
                    lang = ticket.language if ticket.language in REPLIES else "en"
                    # Personal, as CARE 2 asks (X also refuses a tweet repeating an earlier one).
                    first = (ticket.customer.name or "").split()[:1]
                    text = f"{first[0]}, {REPLIES[lang]} (#{ticket.pk})" if first else f"{REPLIES[lang]} (#{ticket.pk})"
                    ticket_reply(ticket=ticket, agent=by_id[uid], text=text, then_status=TicketStatus.SOLVED)
        close_old_connections()
        time.sleep(0.03)
    for uid in online:
        presence_set(user=by_id[uid], presence=PresenceStatus.OFFLINE)


def _results(day_start: datetime, day_end: datetime, size: Size, planned: list[Any], runs: dict[str, Any],
             lead: Any) -> dict[str, Any]:
    """The figures from the rows, independently of reports/, and what reports/ says."""
    import requests

    from inbox.enums import Direction, TicketEventType
    from inbox.models import Message, TicketEvent
    from notifications.models import Notification, NotificationKind

    msgs = list(Message.objects.filter(direction__in=[Direction.IN, Direction.OUT]).order_by("sent_at", "pk").values(
        "ticket_id", "direction", "automated", "author_user_id", "sent_at", "text", "kind", "platform_id",
        "delivery_status", "author_user__agent_profile__signature", "author_user__agent_profile__display_name"))
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for m in msgs:
        by_ticket.setdefault(m["ticket_id"], []).append(m)
    people: dict[int, set[int]] = {}
    for t, payload in TicketEvent.objects.filter(type=TicketEventType.ASSIGNED).values_list("ticket_id", "payload"):
        if payload.get("assignee_id"):
            people.setdefault(t, set()).add(payload["assignee_id"])
    first_replies, answered, convs, within, two, replies_per = [], 0, 0, 0, 0, []
    public, signed, all_replies, all_signed = 0, 0, 0, 0
    for tid, rows in by_ticket.items():
        ins = [m for m in rows if m["direction"] == Direction.IN and not m["automated"]]
        if not ins:
            continue
        convs += 1
        outs = [m for m in rows if m["direction"] == Direction.OUT and m["author_user_id"]]
        replies_per.append((len(outs), len(ins)))
        if outs:
            answered += 1
            wait = (outs[0]["sent_at"] - ins[0]["sent_at"]).total_seconds() / 60
            first_replies.append(wait)
            within += wait <= 60
        who = people.get(tid, set()) | {m["author_user_id"] for m in outs}
        two += len(who) <= 2
        public_thread = ins[-1]["kind"] in PUBLIC_KINDS
        for m in outs:
            sig = (m["author_user__agent_profile__signature"] or "").strip()
            initials = "^" + "".join(w[0] for w in (m["author_user__agent_profile__display_name"] or "").split()[:3])
            ok = m["text"].rstrip().endswith(sig or initials)
            all_replies += 1
            all_signed += ok
            if public_thread:
                public += 1
                signed += ok
    inbound_ids = [m["platform_id"] for m in msgs if m["direction"] == Direction.IN and m["platform_id"]]
    delivered = 0
    for r in runs.values():
        try:
            delivered += len(requests.get(f"{r.base_url}/_fake/outbound", timeout=5).json().get("data") or [])
        except (requests.RequestException, ValueError):
            pass
    crisis_start = min((DAY + a[0] for a in planned if a[3]), default=None)
    alert = Notification.objects.filter(kind=NotificationKind.CRISIS).order_by("created_at").first()
    alert_after = (alert.created_at - crisis_start).total_seconds() / 60 if alert and crisis_start else None
    out: dict[str, Any] = {
        "conversations": convs, "planned": len(planned),
        "first_reply_within_1h": 100 * within / convs if convs else 0.0,
        "first_reply_median": statistics.median(first_replies) if first_replies else None,
        "answer_rate": 100 * answered / convs if convs else 0.0,
        "public_replies_signed": 100 * signed / public if public else None,
        "all_replies_signed": 100 * all_signed / all_replies if all_replies else None,
        "public_replies": public, "replies": all_replies,
        "at_most_two_people": 100 * two / convs if convs else 0.0,
        "crisis_alert_after": alert_after,
        "duplicate_inbound": len(inbound_ids) - len(set(inbound_ids)),
        # More replies than the customer's messages: a question answered twice. A returning
        # customer's second question joins their pending conversation and rightly gets its own.
        "tickets_with_two_replies": sum(1 for outs, ins in replies_per if outs > max(ins, 1)),
        "questions_joined": len(planned) - convs,
        "replies_sent": sum(1 for m in msgs if m["direction"] == Direction.OUT and m["author_user_id"]
                            and m["delivery_status"] == "sent"),
        "delivered_at_fakes": delivered,
        "replies_undelivered": sum(1 for m in msgs if m["direction"] == Direction.OUT and m["author_user_id"]
                                   and m["delivery_status"] not in ("sent", "delivered", "read")),
    }
    out["report"] = _report(day_start, day_end + timedelta(hours=3))
    return out


def _report(start: datetime, end: datetime) -> dict[str, Any]:
    from channels.models import Brand
    from reports.metrics import figures
    from reports.selectors import ReportScope, conversations_in

    f = figures(conversations_in(ReportScope(list(Brand.objects.values_list("pk", flat=True)), start, end)))
    return {"conversations": f.conversations, "first_reply_within_1h": f.within_hour,
            "first_reply_median": f.first_reply_median / 60 if f.first_reply_median is not None else None,
            "answer_rate": f.answer_rate, "at_most_two_people": f.at_most_two_people}


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="8 simulated hours, 140 conversations, 2 real minutes")
    parser.add_argument("--tiny", action="store_true", help="4 simulated hours, 30 conversations (the test's)")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    parser.add_argument("--web-port", type=int, default=9700)
    parser.add_argument("--fake-port", type=int, default=9710)
    args = parser.parse_args()
    size = "tiny" if args.tiny else "small" if args.small else "default"
    db_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hovor_careday_bench")
    if not db_url.startswith("postgres"):
        print("bench/care_day.py runs on PostgreSQL", file=sys.stderr)
        return 2
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    started = time.monotonic()
    r = run(size, db_url=db_url, redis_url=redis_url, web_port=args.web_port, fake_base=args.fake_port)
    rep = r["report"]
    print(f"# {r['conversations']} conversations of {r['planned']} sent ({r['questions_joined']} joined their "
          f"customer's pending conversation); {r['replies']} human replies "
          f"({r['public_replies']} public), {r['replies_undelivered']} not delivered, "
          f"{r['delivered_at_fakes']} at the fakes; "
          f"duplicates: {r['duplicate_inbound']} inbound, {r['tickets_with_two_replies']} questions answered twice; "
          f"{time.monotonic() - started:.0f} s real")
    print(f"RESULT first_reply_within_1h {_fmt(r['first_reply_within_1h'])} %")
    print(f"RESULT first_reply_median {_fmt(r['first_reply_median'])} min")
    print(f"RESULT answer_rate {_fmt(r['answer_rate'])} %")
    print(f"RESULT public_replies_signed {_fmt(r['public_replies_signed'])} %")
    print(f"RESULT at_most_two_people {_fmt(r['at_most_two_people'])} %")
    print(f"RESULT crisis_alert_after {_fmt(r['crisis_alert_after'])} min")
    print(f"REPORT conversations {rep['conversations']}")
    print(f"REPORT first_reply_within_1h {_fmt(rep['first_reply_within_1h'])} %")
    print(f"REPORT first_reply_median {_fmt(rep['first_reply_median'])} min")
    print(f"REPORT answer_rate {_fmt(rep['answer_rate'])} %")
    print(f"REPORT at_most_two_people {_fmt(rep['at_most_two_people'])} %")
    if args.json:
        Path(args.json).write_text(json.dumps(r, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
