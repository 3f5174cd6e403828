"""The recent-search query language the fake understands (a subset of X's operators)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fakes.x.wire import (
    invalid_request,
)

if TYPE_CHECKING:
    from fakes.x.server import FakeX


class SearchQuery:
    """X's recent-search query language, the part Hovor and admins use: keywords (a
    tokenized, case-insensitive match), "quoted phrases", @mentions, #hashtags, from:,
    to:, is:retweet / is:reply / is:quote, lang:, negation with -, OR, and parentheses."""

    TOKEN_RE = re.compile(r'\(|\)|-?"[^"]*"|[^\s()]+')
    OPERATORS = {"from", "to", "is", "lang", "has"}

    def __init__(self, node: tuple[Any, ...]) -> None:
        self.node = node

    @classmethod
    def compile(cls, query: str) -> SearchQuery:
        tokens = cls.TOKEN_RE.findall(query)
        if query.count('"') % 2:
            raise invalid_request("There were errors processing your request: Unbalanced quotes in query")
        node, rest = cls._or(tokens)
        if rest:
            raise invalid_request(f"There were errors processing your request: Unexpected '{rest[0]}' in query")
        if not cls._has_positive(node):
            raise invalid_request(
                "There were errors processing your request: Rules must contain a non-negation term (at position 1)"
            )
        return cls(node)

    @classmethod
    def _or(cls, tokens: list[str]) -> tuple[tuple[Any, ...], list[str]]:
        left, tokens = cls._and(tokens)
        parts = [left]
        while tokens and tokens[0] == "OR":
            right, tokens = cls._and(tokens[1:])
            parts.append(right)
        return (("or", parts) if len(parts) > 1 else left), tokens

    @classmethod
    def _and(cls, tokens: list[str]) -> tuple[tuple[Any, ...], list[str]]:
        parts = []
        while tokens and tokens[0] not in (")", "OR"):
            part, tokens = cls._unary(tokens)
            parts.append(part)
        if not parts:
            raise invalid_request("There were errors processing your request: Empty query or group")
        return (("and", parts) if len(parts) > 1 else parts[0]), tokens

    @classmethod
    def _unary(cls, tokens: list[str]) -> tuple[tuple[Any, ...], list[str]]:
        token = tokens[0]
        if token == "(":
            inner, rest = cls._or(tokens[1:])
            if not rest or rest[0] != ")":
                raise invalid_request("There were errors processing your request: Unbalanced parentheses")
            return inner, rest[1:]
        if token.startswith("-") and len(token) > 1:
            atom, rest = cls._unary([token[1:], *tokens[1:]])
            return ("not", atom), rest
        return cls._atom(token), tokens[1:]

    @classmethod
    def _atom(cls, token: str) -> tuple[Any, ...]:
        if token.startswith('"'):
            return ("phrase", token.strip('"'))
        name, sep, value = token.partition(":")
        if sep and value and name.lower() in cls.OPERATORS:
            return ("op", name.lower(), value)
        if sep and value and re.fullmatch(r"[a-z_]+", name):
            raise invalid_request(f"There were errors processing your request: Reference to invalid operator '{name}'")
        return ("word", token)

    @classmethod
    def _has_positive(cls, node: tuple[Any, ...]) -> bool:
        kind = node[0]
        if kind == "not":
            return False
        if kind in ("and", "or"):
            return any(cls._has_positive(n) for n in node[1])
        return not (kind == "op" and node[1] in ("is", "lang", "has"))  # X: these need company

    def matches(self, tweet: dict[str, Any], author: dict[str, str], fake: FakeX) -> bool:
        return self._eval(self.node, tweet, author, fake)

    def _eval(self, node: tuple[Any, ...], tweet: dict[str, Any], author: dict[str, str], fake: FakeX) -> bool:
        kind = node[0]
        if kind == "and":
            return all(self._eval(n, tweet, author, fake) for n in node[1])
        if kind == "or":
            return any(self._eval(n, tweet, author, fake) for n in node[1])
        if kind == "not":
            return not self._eval(node[1], tweet, author, fake)
        text = tweet["text"]
        if kind == "phrase":
            return self._contains(text, node[1])
        if kind == "word":
            word = node[1]
            if word.startswith(("@", "#", "$")) and len(word) > 1:
                return re.search(re.escape(word) + r"(?![\w])", text, re.IGNORECASE) is not None
            return self._contains(text, word)
        _, name, value = node
        refs = {r["type"] for r in tweet.get("referenced_tweets", [])}
        if name == "from":
            value = value.lstrip("@").lower()
            return value in (author.get("username", "").lower(), author.get("id", ""))
        if name == "to":
            parent = fake._users.get(tweet.get("in_reply_to_user_id", ""), {})
            return value.lstrip("@").lower() in (parent.get("username", "").lower(), parent.get("id", "x"))
        if name == "is":
            return {"retweet": "retweeted" in refs, "reply": "replied_to" in refs, "quote": "quoted" in refs}.get(
                value.lower(), False
            )
        if name == "lang":
            return tweet.get("lang") == value
        if name == "has":
            return value == "links" and re.search(r"https?://", text) is not None
        return False

    @staticmethod
    def _contains(text: str, term: str) -> bool:
        """A tokenized match: the term stands as whole words (not inside @handles, #tags or words)."""
        pattern = r"(?<![\w@#$])" + re.escape(term) + r"(?![\w])"
        return re.search(pattern, text, re.IGNORECASE) is not None
