"""Every ticket state change has exactly one function here. Views, tasks, commands, the
API and tests all call these; each writes its rows, appends a TicketEvent and schedules
side effects with transaction.on_commit."""
