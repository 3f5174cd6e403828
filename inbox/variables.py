"""Reply variables such as {{ customer.first_name }}. Deliberately not the Django template
engine: agents get a fixed set of names, nothing that can run, and output stays plain text
for the platform (escaping happens where it is displayed)."""
from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext as _

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


# {{ customer.first_name|default:"there" }}: the text used when the value is missing.
DEFAULT_RE = re.compile(r"""^([\w.]+)\s*\|\s*default\s*:\s*(?:"([^"]*)"|'([^']*)')$""")


class UnknownVariable(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Unknown variable {{{{ {name} }}}}; available: " + ", ".join(AVAILABLE))
        self.name = name


class MissingValue(ValueError):
    """A known variable with no value for this conversation (a customer with no name):
    never sent as "Hello , …"; the agent edits the text or gives the variable a default."""

    def __init__(self, name: str) -> None:
        super().__init__(
            _('{{ %(name)s }} has no value in this conversation: edit the text or add a default, '
              'e.g. {{ %(name)s|default:"" }}.') % {"name": name}
        )
        self.name = name


def render_variables(text: str, values: Mapping[str, str]) -> str:
    """Fill in the variables; a missing value (empty) without a default raises MissingValue."""

    def substitute(match: re.Match[str]) -> str:
        expression = match.group(1)
        with_default = DEFAULT_RE.match(expression)
        name = with_default.group(1) if with_default else expression
        if name not in values:
            raise UnknownVariable(name)
        value = values[name]
        if value.strip():
            return value
        if with_default:
            return with_default.group(2) if with_default.group(2) is not None else with_default.group(3)
        raise MissingValue(name)

    return VARIABLE_RE.sub(substitute, text)
