"""The hub's per-event pipeline (DESIGN.md section 6): one module per step, each a
small pure function or class over values, no Kafka inside. The Kafka edge
(`hub.kafka`) reads a batch, the steps decide, the edge writes the decisions."""
