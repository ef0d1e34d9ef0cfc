"""`assist_pipeline/run` (HA_CONTRACT §11): one Assist run over the pipeline's Wyoming services.

`start_stage` `stt` takes the audio as binary websocket frames (handler id byte + 16 kHz 16-bit
mono PCM; a frame with only the id ends it) or `intent` takes `input.text`; `end_stage` `intent`
or `tts`. Events: run-start, stt-start, stt-vad-start, stt-vad-end, stt-end, intent-start,
intent-end, tts-start, tts-end, run-end; a failed stage sends `error {code, message}` then
run-end. The reply audio is served as WAV at `/api/tts_proxy/<token>` (`hass.tts_audio`).
The fake's VAD is the end of the audio: stt-vad-start at the first frame, stt-vad-end at the end.
"""

from __future__ import annotations

import asyncio
import io
import secrets
import wave
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.tts import Synthesize, SynthesizeVoice

from . import assist
from .errors import InvalidServiceData
from .registry import new_ulid, utcnow

if TYPE_CHECKING:
    from .server import FakeHomeAssistant

STAGES = ("stt", "intent", "tts")
RATE, WIDTH, CHANNELS = 16000, 2, 1
SERVICE_TIMEOUT = 30.0


class StageError(Exception):
    """A stage failed; `code` is HA's pipeline error code (stt-stream-failed, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PipelineRun:
    """One run: validated at once (errors answer the command), then `run()` sends the events."""

    def __init__(
        self, hass: FakeHomeAssistant, msg: dict[str, Any], send: Callable[[Any], None]
    ) -> None:
        """Check the stages and pick the pipeline (the preferred one without `pipeline`)."""
        self.hass = hass
        self.msg_id = msg["id"]
        self._send = send
        self.start, self.end = msg.get("start_stage"), msg.get("end_stage")
        if self.start not in STAGES or self.end not in STAGES:
            raise InvalidServiceData("start_stage and end_stage must be stt, intent or tts")
        if STAGES.index(self.start) > STAGES.index(self.end):
            raise InvalidServiceData(f"Invalid stage combination: {self.start} → {self.end}")
        self.input = dict(msg.get("input") or {})
        if self.start == "intent" and not isinstance(self.input.get("text"), str):
            raise InvalidServiceData("required key not provided @ data['input']['text']")
        self.pipeline = hass.pipelines.get(msg.get("pipeline"))
        self.conversation_id = msg.get("conversation_id") or new_ulid().lower()
        self.audio: asyncio.Queue[bytes] = asyncio.Queue()
        self.handler_id = 1

    def event(self, kind: str, data: dict[str, Any] | None = None) -> None:
        """Send one pipeline event."""
        event = {"type": kind, "data": data, "timestamp": utcnow().isoformat()}
        self._send({"id": self.msg_id, "type": "event", "event": event})

    async def run(self) -> None:
        """Every stage from start to end; an error event ends the run early."""
        language = self.pipeline["language"]
        runner: dict[str, Any] = {"stt_binary_handler_id": None, "timeout": 300}
        if self.start == "stt":
            runner["stt_binary_handler_id"] = self.handler_id
        self.event(
            "run-start",
            {"pipeline": self.pipeline["id"], "language": language, "runner_data": runner},
        )
        try:
            text = await self._stt() if self.start == "stt" else str(self.input["text"])
            if self.end != "stt":
                speech = await self._intent(text)
                if self.end == "tts":
                    await self._tts(speech)
        except StageError as err:
            self.event("error", {"code": err.code, "message": err.message})
        self.event("run-end")

    async def _stt(self) -> str:
        engine = self.pipeline["stt_engine"]
        self.event("stt-start", {"engine": engine, "metadata": {"language": "en"}})
        audio = bytearray()
        while chunk := await self.audio.get():
            if not audio:
                self.event("stt-vad-start", {"timestamp": 0})
            audio.extend(chunk)
        self.event("stt-vad-end", {"timestamp": len(audio) * 1000 // (RATE * WIDTH)})
        address = self.hass.flows.wyoming_address(engine) if engine else None
        if address is None:
            raise StageError("stt-provider-missing", f"No speech-to-text provider for: {engine}")
        text = await _transcribe(address, bytes(audio), self.pipeline["stt_language"])
        if not text:
            raise StageError("stt-no-text-recognized", "No text recognized")
        self.event("stt-end", {"stt_output": {"text": text}})
        return text

    async def _intent(self, text: str) -> str:
        engine = self.pipeline["conversation_engine"]
        self.event(
            "intent-start",
            {
                "engine": engine,
                "language": self.pipeline["conversation_language"],
                "intent_input": text,
                "conversation_id": self.conversation_id,
                "device_id": None,
                "prefer_local_intents": self.pipeline["prefer_local_intents"],
            },
        )
        body = {"text": text, "agent_id": engine, "conversation_id": self.conversation_id}
        result = await assist.process_conversation(self.hass, body)
        self.event("intent-end", {"intent_output": result, "processed_locally": False})
        speech = (result["response"].get("speech") or {}).get("plain") or {}
        return str(speech.get("speech") or "")

    async def _tts(self, speech: str) -> None:
        engine, voice = self.pipeline["tts_engine"], self.pipeline["tts_voice"]
        self.event(
            "tts-start",
            {
                "engine": engine,
                "language": self.pipeline["tts_language"],
                "voice": voice,
                "tts_input": speech,
            },
        )
        address = self.hass.flows.wyoming_address(engine) if engine else None
        if address is None:
            raise StageError("tts-not-supported", f"Text-to-speech engine {engine} not found")
        wav = await _synthesize(address, speech, voice)
        token = f"{secrets.token_urlsafe(16)}.wav"
        self.hass.tts_audio[token] = wav
        output = {
            "media_id": f"media-source://tts/{engine}?message={speech}",
            "token": token,
            "url": f"/api/tts_proxy/{token}",
            "mime_type": "audio/x-wav",
        }
        self.event("tts-end", {"tts_output": output})


async def _transcribe(address: tuple[str, int], audio: bytes, language: str | None) -> str:
    events = [Transcribe(language=language).event(), AudioStart(RATE, WIDTH, CHANNELS).event()]
    step = 2 * 160 * 10  # 100 ms
    events += [
        AudioChunk(RATE, WIDTH, CHANNELS, audio[i : i + step]).event()
        for i in range(0, len(audio), step)
    ]
    events.append(AudioStop().event())
    answer = await _exchange(address, events, Transcript.is_type, "stt-stream-failed")
    return Transcript.from_event(answer).text.strip()


async def _synthesize(address: tuple[str, int], text: str, voice: str | None) -> bytes:
    request = Synthesize(text=text, voice=SynthesizeVoice(name=voice) if voice else None)
    fmt: AudioStart | None = None
    audio = bytearray()
    try:
        async with asyncio.timeout(SERVICE_TIMEOUT), AsyncTcpClient(*address) as client:
            await client.write_event(request.event())
            while (event := await client.read_event()) is not None:
                if AudioStart.is_type(event.type) and fmt is None:
                    fmt = AudioStart.from_event(event)
                elif AudioChunk.is_type(event.type):
                    audio.extend(AudioChunk.from_event(event).audio)
                elif AudioStop.is_type(event.type):
                    break
    except (OSError, TimeoutError) as err:
        raise StageError("tts-failed", f"Error communicating with the TTS: {err}") from err
    if fmt is None or not audio:
        raise StageError("tts-failed", "Text-to-speech service sent no audio")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setframerate(fmt.rate)
        wav.setsampwidth(fmt.width)
        wav.setnchannels(fmt.channels)
        wav.writeframes(bytes(audio))
    return out.getvalue()


async def _exchange(
    address: tuple[str, int], events: list[Event], done: Callable[[str], bool], code: str
) -> Event:
    try:
        async with asyncio.timeout(SERVICE_TIMEOUT), AsyncTcpClient(*address) as client:
            for event in events:
                await client.write_event(event)
            while (answer := await client.read_event()) is not None:
                if done(answer.type):
                    result: Event = answer  # wyoming's client is untyped
                    return result
    except (OSError, TimeoutError) as err:
        raise StageError(
            code, f"Error communicating with {address[0]}:{address[1]}: {err}"
        ) from err
    raise StageError(code, "The service closed the connection without an answer")
