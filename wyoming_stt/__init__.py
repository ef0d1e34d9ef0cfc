"""Speech-to-text Wyoming server: faster-whisper, or the embedded pocketsphinx engine."""
