"""A real single-node Kafka broker started by the project itself (DESIGN.md section 10)."""

from hub.localbroker.broker import BrokerStatus, LocalBroker
from hub.localbroker.errors import BrokerError
from hub.localbroker.jars import KAFKA_VERSION

__all__ = ["KAFKA_VERSION", "BrokerError", "BrokerStatus", "LocalBroker"]
