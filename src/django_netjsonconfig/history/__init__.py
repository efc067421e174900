"""History and recovery (django-reversion, optional)."""
