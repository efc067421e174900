"""Workflows: plain functions that own transactions, signals and background work."""
