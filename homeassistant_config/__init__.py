"""homeassistant_config package."""
