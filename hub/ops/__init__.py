"""What operations ask of the hub's topics: the queries behind `hub dlq` (and later the console)."""
