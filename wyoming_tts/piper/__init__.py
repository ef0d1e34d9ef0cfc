"""piper package."""
