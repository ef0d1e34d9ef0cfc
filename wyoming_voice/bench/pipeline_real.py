"""`bench pipeline --real`: the whole loop on the real models, for device commands (the agent's
fast path) and for open questions (the language model), end of speech → first reply audio.

Open questions are spoken by the stack's own TTS (Piper joe), converted to 16 kHz and sent as
if a person said them; device commands come from --audio (recordings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from voice_pipeline.audio_io import load_command, stream_pcm
from voice_pipeline.errors import PipelineError
from voice_pipeline.pipeline import VoicePipeline
from voice_pipeline.tts_client import synthesize
from voice_pipeline.types import PipelineEndpoints, PipelineOptions, PipelineResult
from wyoming_common.audio import STT_FORMAT, convert_pcm

from .real_models import RealModels
from .real_stack import RunningStack, StackModels

OPEN_QUESTIONS = (
    "What can you do?",
    "Tell me a joke.",
    "How far away is the moon?",
    "Why is the sky blue?",
    "What is the capital of France?",
    "Give me a tip for sleeping better.",
)

Samples = dict[str, list[float]]


@dataclass(frozen=True)
class Turn:
    """One spoken turn: what was said (a recording, or text to speak first) and its label."""

    label: str
    wav: Path | None = None
    text: str | None = None


def stack_models(models: RealModels, llm: Path | None) -> StackModels:
    """Whisper base, the chosen GGUF (default Qwen 1.5B, else 0.5B) and Piper joe."""
    if llm is None:
        llm = models.qwen_1_5b if models.qwen_1_5b.exists() else models.qwen_0_5b
    missing = models.missing(models.whisper_base, models.piper_joe, llm)
    if missing:
        names = ", ".join(map(str, missing))
        raise PipelineError(
            "models",
            f"missing {names}: ../shared/models/fetch-real-models {models.root} --set all",
        )
    return StackModels(whisper=models.whisper_base, llm=llm, piper_voice=models.piper_joe)


async def spoken(stack: RunningStack, text: str) -> bytes:
    """text as 16 kHz mono speech, by the stack's own voice."""
    speech = await synthesize(stack.tts_uri, text, timeout=120)
    if speech.fmt is None:
        raise PipelineError("tts", f"no audio for {text!r}")
    return convert_pcm(bytes(speech.audio), speech.fmt, STT_FORMAT)


async def run_turns(
    stack: RunningStack, turns: Sequence[Turn], *, realtime: bool
) -> tuple[Samples, list[str]]:
    """Each turn through our pipeline in its own conversation; timings per stage, failures."""
    samples: Samples = {}
    failures: list[str] = []
    for turn in turns:
        pcm = load_command(turn.wav) if turn.wav else await spoken(stack, turn.text or "")
        pipeline = VoicePipeline(
            PipelineEndpoints(stack.stt_uri, stack.agent_uri, stack.tts_uri),
            PipelineOptions(language="en"),
        )
        try:
            result: PipelineResult = await pipeline.run(stream_pcm(pcm, realtime=realtime))
        except PipelineError as err:
            failures.append(f"{turn.label}: {err}")
            continue
        timings = result.timings.as_dict()
        for key, value in timings.items():
            if value is not None:
                samples.setdefault(key, []).append(value)
        print(turn_line(turn.label, result.transcript, result.reply, timings))
    return samples, failures


def turn_line(label: str, transcript: str, reply: str, timings: dict[str, float | None]) -> str:
    """One turn for the log: its stage times (seconds), what was heard and what was answered."""
    times = " ".join(
        f"{key} {value:.2f}" if value is not None else f"{key} -"
        for key, value in timings.items()
        if key in ("stt", "agent_first", "agent", "tts_first", "first_audio")
    )
    answer = reply if len(reply) <= 70 else reply[:67] + "..."
    return f"  [{times}] {label}: heard {transcript!r} → {answer!r}"


def command_turns(files: Sequence[Path]) -> list[Turn]:
    """Device commands from recordings."""
    return [Turn(path.stem, wav=path) for path in files]


def question_turns(count: int) -> list[Turn]:
    """Open questions, spoken by the stack's TTS."""
    return [Turn(text, text=text) for text in OPEN_QUESTIONS[:count]]
