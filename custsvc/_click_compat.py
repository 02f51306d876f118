"""The exception classes of the Click copy that Typer carries, found through Typer's public API
(Typer 0.26+ vendors Click; importing ``click`` would find a different, unrelated copy)."""

import typer

ClickException: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
Abort: type[BaseException] = typer.Abort
