"""`wyoming-voice tts` / `python -m wyoming_tts`: run the text-to-speech server."""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence

from wyoming.info import Info

from wyoming_common.command import run_service, setup_logging
from wyoming_common.env_args import EnvArgumentParser
from wyoming_common.errors import ConfigError
from wyoming_common.metrics import Metrics
from wyoming_common.options import read_settings, settings_parser
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker

from .cache import PhraseCache
from .engines import TtsEngine, build_engine
from .handler import TtsEventHandler
from .info import build_info
from .settings import ENV_PREFIX, TtsSettings
from .synthesizer import Synthesizer

DESCRIPTION = """\
A Wyoming text-to-speech server for Home Assistant. Speaks with Piper voices (NAME.onnx +
NAME.onnx.json in --data-dir, or fetched with --download-voice) on onnxruntime, on the GPU when
onnxruntime-gpu finds one; without any Piper voice (and without --voice) it speaks with
espeak-ng. Audio is sent as soon as the voice's decoder makes it, within a sentence, and text
can stream in (synthesize-start,
synthesize-chunk, synthesize-stop) while a language model is still writing it."""


def build_parser(prog: str) -> EnvArgumentParser:
    """The server's flags (generated from TtsSettings); `main` parses with it."""
    return settings_parser(TtsSettings, prog=prog, env_prefix=ENV_PREFIX, description=DESCRIPTION)


def _info(engine: TtsEngine, streaming: bool) -> Info:
    return build_info(engine.voices(), engine=engine.name, streaming=streaming)


async def serve(settings: TtsSettings) -> None:
    """Build the engine (downloading voices first), load it, serve until stopped."""
    engine = await ModelWorker("tts-setup").run(build_engine, settings)
    worker = ModelWorker(f"tts-{engine.name}", concurrency=engine.concurrency)
    cache = PhraseCache(settings.cache_bytes, max_text_chars=settings.cache_max_chars)
    synthesizer = Synthesizer(engine, worker, cache, timeout=settings.timeout)
    metrics = Metrics()
    factory = functools.partial(
        TtsEventHandler,
        synthesizer=synthesizer,
        info=functools.cache(functools.partial(_info, engine, settings.streaming)),
        streaming=settings.streaming,
        samples_per_chunk=settings.samples_per_chunk,
        max_sentence_chars=settings.max_sentence_chars,
        max_text_chars=settings.max_text_chars,
        metrics=metrics,
    )
    runner = ServiceRunner(
        settings.service,
        factory,
        service="tts",
        load=functools.partial(worker.run, engine.load),
        metrics=metrics,
    )
    await runner.run_forever()


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice tts") -> int:
    """Parse flags (a bad one exits 2 naming it), then serve until SIGTERM/SIGINT."""
    parser = build_parser(prog)
    try:
        settings: TtsSettings = read_settings(TtsSettings, parser.parse_args(argv))
    except ConfigError as err:
        parser.error(str(err))
    setup_logging(settings.service.debug, settings.service.log_format)
    return run_service(prog, serve(settings))


if __name__ == "__main__":
    sys.exit(main())
