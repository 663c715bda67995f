"""The courts reference connector (a mock agency system); built in the connectors issue."""
