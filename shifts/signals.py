"""What shifts tells the rest of Hovor (the audit log) without importing it."""

from django.dispatch import Signal

# A brand's staffed hours were set or removed, inside that transaction. Arguments: brand
# (Brand), change ("hours_changed" or "hours_cleared"), details (dict: timezone, periods).
hours_changed = Signal()
