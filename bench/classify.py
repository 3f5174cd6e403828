"""Language and sentiment accuracy on the labelled customer-care messages in tests/data/
(care_messages.<lang>.tsv: text, language, sentiment), and how many messages a second one
process classifies. Needs no database: the classifiers are pure functions.

    .venv/bin/python bench/classify.py [--data tests/data] [--pattern 'care_messages.*.tsv'] [--errors]

Prints `RESULT language_accuracy <n> %`, `RESULT sentiment_accuracy <n> %`, the same per
language (`RESULT language_accuracy_cs <n> %` …), `RESULT classify_rate <n> messages/s`
(language and sentiment) and `RESULT sentiment_rate <n> messages/s` (sentiment alone).
Sentiment is classified in the language detected, as ingest does, so language errors count
against it too."""
from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load(data: Path, pattern: str) -> list[tuple[str, str, str]]:
    rows = []
    for path in sorted(data.glob(pattern)):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                rows.append((row["text"], row["language"], row["sentiment"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data")
    parser.add_argument("--pattern", default="care_messages.*.tsv")
    parser.add_argument("--errors", action="store_true", help="list the messages classified wrongly")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the set for the rate")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    from inbox.language import detect_language
    from inbox.sentiment import detect_sentiment

    rows = load(args.data, args.pattern)
    if not rows:
        sys.exit(f"no labelled messages matching {args.pattern} in {args.data}")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # messages, language ok, sentiment ok
    for text, language, sentiment in rows:
        found_language = detect_language(text)
        found_sentiment = detect_sentiment(text, language=found_language)
        for key in ("all", language):
            totals[key][0] += 1
            totals[key][1] += found_language == language
            totals[key][2] += found_sentiment == sentiment
        if args.errors and (found_language != language or found_sentiment != sentiment):
            print(f"{language}/{sentiment} → {found_language or '-'}/{found_sentiment}\t{text}")

    started = time.perf_counter()
    for _ in range(args.repeat):
        for text, _, _ in rows:
            detect_sentiment(text, language=detect_language(text))
    elapsed = time.perf_counter() - started

    tagged = [(text, detect_language(text)) for text, _, _ in rows]
    started = time.perf_counter()
    for _ in range(args.repeat):
        for text, language in tagged:
            detect_sentiment(text, language=language)
    sentiment_elapsed = time.perf_counter() - started

    count, language_ok, sentiment_ok = totals.pop("all")
    print(f"RESULT labelled_messages {count} messages")
    print(f"RESULT language_accuracy {100 * language_ok / count:.1f} %")
    print(f"RESULT sentiment_accuracy {100 * sentiment_ok / count:.1f} %")
    for language in sorted(totals):
        n, lang_ok, sent_ok = totals[language]
        print(f"RESULT language_accuracy_{language} {100 * lang_ok / n:.1f} %")
        print(f"RESULT sentiment_accuracy_{language} {100 * sent_ok / n:.1f} %")
    print(f"RESULT classify_rate {args.repeat * count / elapsed:.0f} messages/s")
    print(f"RESULT sentiment_rate {args.repeat * count / sentiment_elapsed:.0f} messages/s")


if __name__ == "__main__":
    main()
