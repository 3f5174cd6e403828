"""JSON bodies are taken at their word: a value must have the type the OpenAPI schema gives it.

DRF is lenient by design (forms send everything as text): a CharField takes `0` as "0", an
IntegerField takes "12", a BooleanField takes "yes". For a JSON body that leniency hides
client bugs (a brand named `0`, a team id sent as a name) and makes the schema a lie, so
every serializer of the API checks the JSON types first and answers 400 naming each field
whose value has the wrong type. Form posts (the browsable API, `multipart`) keep DRF's
coercion, since there every value is text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from rest_framework import relations, serializers
from rest_framework.exceptions import ValidationError

# Fields whose JSON value is a string (DateTimeField and friends parse ISO text).
_TEXT = (serializers.CharField, serializers.DateTimeField, serializers.DateField, serializers.TimeField,
         serializers.DurationField, serializers.UUIDField)
_NUMBER = (serializers.FloatField, serializers.DecimalField)


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """Why `value` (from a JSON body) cannot be `field`'s, or None when its type fits."""
    if value is None:
        return None  # allow_null is DRF's to judge
    if isinstance(field, serializers.ListSerializer):
        return _list_error(field.child, value)
    if isinstance(field, relations.ManyRelatedField):
        return _list_error(field.child_relation, value)
    if isinstance(field, serializers.ListField):
        return _list_error(field.child, value)
    if isinstance(field, (serializers.DictField, serializers.Serializer)):
        return None if isinstance(value, Mapping) else "Expected an object."
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Expected true or false."
    if isinstance(field, (serializers.IntegerField, relations.PrimaryKeyRelatedField)):
        return None if isinstance(value, int) and not isinstance(value, bool) else "Expected an integer."
    if isinstance(field, _NUMBER):
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else "Expected a number."
    if isinstance(field, serializers.ChoiceField):
        keys = list(field.choices)
        if keys and all(isinstance(k, str) for k in keys) and not isinstance(value, str):
            return "Expected a string."
        return None
    if isinstance(field, _TEXT):
        return None if isinstance(value, str) else "Expected a string."
    return None  # JSONField and custom fields take any JSON


def _list_error(child: serializers.Field | None, value: Any) -> str | None:
    if not isinstance(value, list):
        return "Expected a list."
    if child is None:
        return None
    for item in value:
        error = json_type_error(child, item)
        if error:
            return f"Every item: {error[0].lower()}{error[1:]}"
    return None


class JsonTypesMixin:
    """Checks a JSON body's value types against the fields before DRF coerces them."""

    def to_internal_value(self, data: Any) -> Any:
        # A form's QueryDict holds text only; a plain mapping came from a JSON body.
        if isinstance(data, Mapping) and not isinstance(data, QueryDict):
            errors = {}
            for name, field in self.fields.items():  # type: ignore[attr-defined]
                if field.read_only or name not in data:
                    continue
                error = json_type_error(field, data[name])
                if error:
                    errors[name] = [error]
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


# The API's bases (no docstrings: drf-spectacular would give theirs to every serializer
# that has none of its own as the schema's description).
class Serializer(JsonTypesMixin, serializers.Serializer):
    pass


class ModelSerializer(JsonTypesMixin, serializers.ModelSerializer):
    pass
