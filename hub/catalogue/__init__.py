"""The event catalogue: schemas, their versions, validation and compatibility."""
