"""Browser push-to-talk console and HTTP/WebSocket gateway to the voice pipeline.

`wyoming-voice web` serves a page (microphone in the browser, reply audio played as it
arrives) and an API (`POST /api/interact`, `POST /api/ask`, `GET /ws`, `/health`, `/metrics`)
in front of the same STT → agent → TTS pipeline the satellite runs standalone.
"""
