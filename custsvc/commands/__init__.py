"""One module per command group.  Commands parse, open one session, call one service, render.

No SQL and no business rule here; services are imported inside the command functions so that
``--help`` never loads SQLModel.
"""
