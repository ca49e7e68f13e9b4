"""The one exception the pipeline raises for a problem a user can fix."""

from __future__ import annotations


class PipelineError(Exception):
    """A model, array name, data file or size limit the pipeline refuses.

    The message names the file (or value) and says what is wrong and, where it can,
    what to do. The CLI prints it as ``error: <message>`` and exits with status 2.
    """
