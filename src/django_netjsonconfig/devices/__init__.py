"""Devices, configs, templates, groups and registration."""
