"""Reply variables such as {{ customer.first_name }}. Deliberately not the Django template
engine: agents get a fixed set of names, nothing that can run, and output stays plain text
for the platform (escaping happens where it is displayed)."""
from __future__ import annotations

import re
from collections.abc import Mapping

# Anything in double braces is meant as a variable: a mistyped one is refused rather than
# sent to the customer as "{{ Customer.Name }}".
VARIABLE_RE = re.compile(r"{{\s*(.*?)\s*}}")

AVAILABLE = (
    "customer.first_name",
    "customer.name",
    "customer.handle",
    "agent.name",
    "agent.first_name",
    "brand.name",
    "ticket.id",
)


class UnknownVariable(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown variable {{{{ {name} }}}}; available: " + ", ".join(AVAILABLE))
        self.name = name


def render_variables(text: str, values: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise UnknownVariable(name)
        return values[name]

    return VARIABLE_RE.sub(substitute, text)
