"""/simulator/: the staff-only WhatsApp simulator (views in messaging/simulator.py)."""

from django.urls import path

from messaging import simulator

app_name = "simulator"

urlpatterns = [
    path("", simulator.index, name="index"),
    path("send", simulator.send, name="send"),
    path("messages", simulator.messages, name="messages"),
]
