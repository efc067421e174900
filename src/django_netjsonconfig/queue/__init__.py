"""Background work: how it runs, one entry point."""
