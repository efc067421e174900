"""How a write runs its workflow."""
