"""Rendering NetJSON: variables, the compiled backends, archives."""
