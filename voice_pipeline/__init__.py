"""voice_pipeline package."""
