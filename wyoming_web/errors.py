"""The gateway's own request errors (the pipeline's are `voice_pipeline.errors.PipelineError`)."""

from wyoming_common.errors import BadRequestError


class UnsupportedMediaTypeError(BadRequestError):
    """The body's content type is not one the route reads (HTTP 415)."""

    code = "unsupported-media-type"
