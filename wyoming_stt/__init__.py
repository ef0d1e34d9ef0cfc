"""wyoming_stt package."""
