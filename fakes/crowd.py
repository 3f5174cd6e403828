"""A simulated crowd of customers writing to the brand through a platform fake's
control endpoint (`POST /_fake/inbound`), in English, Czech, Polish and Bulgarian. How
they write on each platform (how often, which kinds, which languages, how the fake names
a customer, whether they answer the brand's last reply so threads grow) is the platform's
`fakes.<platform>.DEMO.crowd` (fakes/demo.py).

    python -m fakes.crowd --platform x --fake http://127.0.0.1:8081
    python -m fakes.crowd --to x=http://127.0.0.1:8081 --to telegram=http://127.0.0.1:8082   # one process
"""
from __future__ import annotations

import argparse
import random
import signal
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import requests

from fakes.demo import Crowd, declared

CUSTOMERS = [
    ("@jnovakova", "Jana Nováková", "cs"),
    ("@petr_svoboda", "Petr Svoboda", "cs"),
    ("@zuzka_k", "Zuzana Křížová", "cs"),
    ("@kowalski_m", "Marek Kowalski", "pl"),
    ("@ania_wisniewska", "Anna Wiśniewska", "pl"),
    ("@l_zielinski", "Łukasz Zieliński", "pl"),
    ("@ivan_petrov", "Иван Петров", "bg"),
    ("@desi_g", "Десислава Георгиева", "bg"),
    ("@sarah_m", "Sarah Miller", "en"),
    ("@tom_h", "Tom Hughes", "en"),
    ("@emoji_fan", "Alex 🚀", "en"),
]
MESSAGES = {
    "cs": [
        "Dobrý den, objednávka č. {n} stále nedorazila. Můžete mi říct, kde je?",
        "Děkuji za rychlou pomoc včera, jste skvělí! 👏",
        "Proč mi nejde přihlášení do aplikace? Píše to chybu {n}.",
        "Už třetí den čekám na vrácení peněz. Tohle je opravdu špatné.",
    ],
    "pl": [
        "Dzień dobry, moje zamówienie {n} jest opóźnione. Co się dzieje?",
        "Czy mogę zmienić adres dostawy? Pilne! 🙏",
        "Aplikacja znowu nie działa, błąd {n}. Bardzo frustrujące.",
        "Dziękuję za pomoc, wszystko działa! 😊",
    ],
    "bg": [
        "Здравейте, поръчка {n} още не е пристигнала. Кога да я очаквам?",
        "Благодаря за бързия отговор! 👍",
        "Не мога да вляза в профила си, грешка {n}. Помощ?",
        "Много съм разочарован от обслужването днес.",
    ],
    "en": [
        "Hi, my order #{n} hasn't arrived yet. Any update?",
        "Your app keeps crashing since the last update (error {n}) 😤",
        "Thanks for sorting that out so quickly, great service!",
        "Can I change my delivery slot for order {n}? See https://example.com/orders/{n}",
    ],
}
FOLLOW_UPS = {
    "cs": ["Díky, ale pořád to nefunguje.", "Super, děkuji! 🙂"],
    "pl": ["Dziękuję, ale nadal nie działa.", "Świetnie, dziękuję!"],
    "bg": ["Благодаря, но все още не работи.", "Супер, благодаря!"],
    "en": ["Thanks, but it's still not working.", "Perfect, thank you!"],
}


def _post(session: requests.Session, fake: str, body: dict[str, Any]) -> dict[str, Any] | None:
    try:
        response = session.post(f"{fake}/_fake/inbound", json=body, timeout=5)
    except requests.RequestException as exc:
        print(f"crowd: fake not reachable: {exc}", file=sys.stderr)
        return None
    if response.status_code >= 400:
        print(f"crowd: fake said {response.status_code}: {response.text[:200]}", file=sys.stderr)
        return None
    answer = response.json()
    # The platform object the fake made ({"data": …}; Telegram's fake answers as the Bot API, {"result": …}).
    data: dict[str, Any] = answer.get("data") or answer.get("result") or {}
    return data or {"accepted": True}


def _brand_reply_to(session: requests.Session, fake: str, handle: str, sent: dict[str, str]) -> str | None:
    """The brand's newest reply to one of this customer's messages, if any."""
    try:
        outbound = session.get(f"{fake}/_fake/outbound", timeout=5).json().get("data") or []
    except (requests.RequestException, ValueError):
        return None
    for tweet in reversed(outbound):
        if sent.get(str(tweet.get("in_reply_to_tweet_id"))) == handle:
            return str(tweet["id"])
    return None


def crowd_of(platform: str) -> Crowd:
    """The platform's declared crowd (its fake's DEMO), or the plain default."""
    demo = declared([platform]).get(platform)
    return demo.crowd if demo is not None and demo.crowd is not None else Crowd()


def run(
    fake: str, every: float | None, count: int | None, seed: int | None, platform: str = "x",
    crowd: Crowd | None = None,
) -> list[dict[str, Any]]:
    """Post `count` messages (for ever if None), about `every` seconds apart; returns what
    the fake answered for each."""
    crowd = crowd or crowd_of(platform)
    mean = crowd.every if every is None else every
    customers: Sequence[tuple[str, str, str]] = [c for c in CUSTOMERS if c[2] in crowd.languages] or CUSTOMERS
    lines = crowd.lines or MESSAGES
    rng = random.Random(seed)
    session = requests.Session()
    sent: dict[str, str] = {}  # message id -> handle of its author
    posted: list[dict[str, Any]] = []
    while count is None or len(posted) < count:
        handle, name, lang = rng.choice(customers)
        follow_up = crowd.threads and rng.random() < 0.35  # X threads by replying to the brand's tweet
        reply_to = _brand_reply_to(session, fake, handle, sent) if follow_up else None
        if reply_to:
            body = {"author": handle, "name": name, "text": rng.choice(FOLLOW_UPS[lang]), "in_reply_to": reply_to}
        else:
            text = rng.choice(lines.get(lang) or MESSAGES[lang]).format(n=rng.randint(10000, 99999))
            body = {"author": crowd.author(handle), "name": name, "text": text}
            if len(crowd.kinds) == 1:
                body["kind"] = crowd.kinds[0]
            elif crowd.kinds:
                body["kind"] = rng.choice(tuple(crowd.kinds))
        message = _post(session, fake, body)
        if message:
            sent[str(message.get("id"))] = handle
            posted.append(message)
        if count is not None and len(posted) >= count:
            break
        time.sleep(max(0.01, rng.uniform(mean * 0.5, mean * 1.5)))
    return posted


def _target(value: str) -> tuple[str, str]:
    platform, sep, url = value.partition("=")
    if not sep or not platform or not url.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"expected PLATFORM=URL, not {value!r}")
    return platform, url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fake", help="base URL of the platform fake")
    parser.add_argument("--platform", default="x", help="whose DEMO.crowd to follow (a registered platform)")
    parser.add_argument("--to", type=_target, action="append", default=[], metavar="PLATFORM=URL",
                        help="one crowd per platform in this process (repeatable; the demo's way)")
    parser.add_argument("--every", type=float, default=None, help="mean seconds between messages (default: DEMO's)")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    targets: list[tuple[str, str]] = list(args.to)
    if args.fake:
        targets.append((args.platform, args.fake))
    if not targets:
        parser.error("give --fake URL (with --platform) or --to PLATFORM=URL")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threads = [
        threading.Thread(target=run, args=(url, args.every, args.count, args.seed, platform), daemon=True,
                         name=f"crowd-{platform}")
        for platform, url in targets
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
