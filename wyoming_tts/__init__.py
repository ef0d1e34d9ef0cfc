"""Text-to-speech Wyoming service: Piper voices (onnxruntime, CUDA when available), espeak-ng
as the embedded fallback, streaming text in and sentence-by-sentence audio out."""
