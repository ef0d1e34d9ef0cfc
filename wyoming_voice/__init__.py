"""wyoming_voice package."""
