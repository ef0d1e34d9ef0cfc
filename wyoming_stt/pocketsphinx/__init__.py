"""pocketsphinx package."""
