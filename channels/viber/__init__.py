"""Viber: a brand's bot on the Viber REST Bot API (callbacks in, send_message out)."""
