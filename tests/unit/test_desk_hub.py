"""The in-process hub that feeds the widget's WebSockets."""

from __future__ import annotations

import asyncio

from comptoir.desk.hub import CLOSE, Hub


async def test_each_subscriber_of_a_conversation_gets_its_messages_only():
    hub = Hub()
    mine, other = hub.subscribe("a"), hub.subscribe("b")
    hub.publish("a", {"seq": 1})
    assert await asyncio.wait_for(mine.get(), 1) == {"seq": 1}
    assert other.empty()
    hub.unsubscribe("a", mine)
    hub.publish("a", {"seq": 2})
    assert mine.empty() and hub.listeners("a") == 0


async def test_a_socket_too_slow_to_keep_up_is_told_to_reconnect():
    hub = Hub(queue_size=2)
    slow = hub.subscribe("a")
    for seq in range(3):
        hub.publish("a", {"seq": seq})
    assert hub.listeners("a") == 0
    assert await slow.get() is CLOSE
