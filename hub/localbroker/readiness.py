"""Is a Kafka broker answering? A metadata request, not a log line, decides."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from confluent_kafka.admin import AdminClient

# librdkafka reports refused connections on its own logger; a probe expects them.
_SILENT = logging.getLogger("hub.localbroker.probe")
_SILENT.addHandler(logging.NullHandler())
_SILENT.propagate = False


def answers_metadata(client_options: Mapping[str, str], timeout: float = 2.0) -> bool:
    """True when the broker returns cluster metadata with a broker in it.

    `client_options` are librdkafka's (bootstrap servers, and the login on a
    secured broker); a refused login counts as not answering.
    """
    config: dict[str, Any] = {**client_options, "logger": _SILENT}
    admin = AdminClient(config)
    try:
        metadata = admin.list_topics(timeout=timeout)
    except Exception:  # KafkaException on timeout; any failure means "not answering"
        return False
    return bool(metadata.brokers)
