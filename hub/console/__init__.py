"""The operations console (`hub console`): the pages operators and auditors work in.

A small server-rendered web application over the same queries the command line
uses (hub/ops): the flow, the work lists of rejects, parked events and
escalated victim alerts, and a case's timeline. Who may see and do what is in
`access.py`; every change an operator makes goes through Kafka, so the hub
writes it to its audit chain.
"""
