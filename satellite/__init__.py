"""satellite package."""
