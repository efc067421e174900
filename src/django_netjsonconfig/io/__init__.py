"""Import and export of devices."""
