"""One module per page: its routes and the queries (hub/ops) it shows."""
