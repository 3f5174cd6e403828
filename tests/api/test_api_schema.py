"""Schemathesis over the OpenAPI schema (/api/v1/schema/, drf-spectacular), as an admin:
no 5xx, and every response matches the schema (issue 12); and requests that break the schema
(a wrong type, a value outside an enum, a page size of "null") are refused with a 4xx, never
quietly read as something else. A modest number of examples per operation in the suite;
HYPOTHESIS_PROFILE=deep runs more."""
from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    unsupported_method,
)

from helpdesk.wsgi import application
from inbox.enums import Role
from inbox.models import AgentProfile

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
schema.config.generation.update(modes=[GenerationMode.POSITIVE])
broken = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
broken.config.generation.update(modes=[GenerationMode.NEGATIVE])
DEEP = os.environ.get("HYPOTHESIS_PROFILE", "hovor") != "hovor"
EXAMPLES = 200 if DEEP else 5
BROKEN_EXAMPLES = int(os.environ.get("HOVOR_BROKEN_EXAMPLES", 200 if DEEP else 3))


@pytest.fixture
def admin_token(db: None, brand: Any) -> str:
    user = User.objects.create_user("schema-admin", password="pw-admin-123", is_staff=True, is_superuser=True)
    AgentProfile.objects.create(user=user, display_name="Admin", role=Role.ADMIN)
    return Token.objects.get_or_create(user=user)[0].key


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_every_operation_within_its_schema(case: Any, admin_token: str) -> None:
    # The two promises: no 5xx, and responses (status, body) as the schema says.
    case.call_and_validate(
        headers={"Authorization": f"Token {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        excluded_checks=[negative_data_rejection, positive_data_acceptance, unsupported_method],
    )


@pytest.mark.django_db(transaction=True)
@broken.parametrize()
@settings(max_examples=BROKEN_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_refuses_requests_that_break_its_schema(case: Any, admin_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Token {admin_token}"},
        checks=[not_a_server_error, negative_data_rejection],
        excluded_checks=[positive_data_acceptance, response_schema_conformance, unsupported_method],
    )
