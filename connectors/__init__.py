"""Mock agency systems that publish and consume through the hub: the reference to copy."""
