"""wyoming_tts package."""
