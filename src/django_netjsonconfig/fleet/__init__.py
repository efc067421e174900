"""Changes that reach many devices: fan-out re-renders and bulk jobs."""
