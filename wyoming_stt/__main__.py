"""`wyoming-voice stt` / `python -m wyoming_stt`: wiring only."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Sequence

from wyoming_common.command import run_service, setup_logging
from wyoming_common.metrics import Metrics
from wyoming_common.runner import ServiceRunner
from wyoming_common.worker import ModelWorker

from .batching import BatchQueue
from .engines import Transcriber, Vocabulary, build_transcriber, load_transcriber
from .handler import SttEventHandler
from .hass_names import HassVocabulary
from .info import build_info
from .settings import SttSettings, parse

_LOGGER = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None, prog: str = "wyoming-voice stt") -> int:
    """Run the speech-to-text server until SIGTERM/SIGINT."""
    settings = parse(argv, prog)
    setup_logging(settings.service.debug, settings.service.log_format)
    transcriber = build_transcriber(settings)
    worker = ModelWorker("stt")
    queue = BatchQueue(transcriber, worker)
    metrics = Metrics()
    handler_factory = functools.partial(
        SttEventHandler,
        transcriber=transcriber,
        queue=queue,
        info=functools.partial(build_info, transcriber),
        max_seconds=settings.max_seconds,
        metrics=metrics,
    )
    names: list[HassVocabulary] = []
    runner = ServiceRunner(
        settings.service,
        handler_factory,
        service="stt",
        load=functools.partial(_load, settings, transcriber, worker, names),
        metrics=metrics,
    )
    try:
        return run_service(prog, _serve(runner, queue, names))
    finally:
        transcriber.close()


async def _load(
    settings: SttSettings,
    transcriber: Transcriber,
    worker: ModelWorker,
    names: list[HassVocabulary],
) -> None:
    """Names from Home Assistant first (so the first grammar has them), then the engine."""
    if settings.hass is not None:

        async def apply(vocabulary: Vocabulary) -> None:
            await worker.run(transcriber.set_vocabulary, vocabulary)

        watcher = HassVocabulary(settings.hass, apply)
        names.append(watcher)
        await watcher.start(timeout=settings.hass.timeout)
    await load_transcriber(transcriber, worker)


async def _serve(runner: ServiceRunner, queue: BatchQueue, names: list[HassVocabulary]) -> None:
    try:
        await runner.run_forever()
    finally:
        await queue.close()
        for watcher in names:
            await watcher.stop()


if __name__ == "__main__":
    sys.exit(main())
