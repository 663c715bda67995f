"""The justice-chain event hub: versioned, schema-checked CloudEvents over Kafka
between police, courts and the correctional service (KODA)."""

__version__ = "0.1.0"
