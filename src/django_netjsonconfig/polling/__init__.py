"""What the checksum endpoint needs, kept in the process."""
