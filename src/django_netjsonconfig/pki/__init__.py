"""Certificate authorities and certificates."""
