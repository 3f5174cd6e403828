"""Website live chat: our own protocol between an embeddable widget and Hovor (no platform).

The widget (static/chat/widget.js) talks JSON over CORS to views.py; customer messages are
stored as raw events and go through the normal ingest pipeline; agents' replies are stored
as ChatEvents that the widget's server-sent event stream reads. See doc.md."""
