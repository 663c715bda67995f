"""Kafka adapters: the only place that talks to the broker."""
