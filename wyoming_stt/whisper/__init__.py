"""whisper package."""
