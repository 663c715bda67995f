"""`hub demo`: synthetic cases through the real broker and the real hub, end to end."""
