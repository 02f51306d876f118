"""Pure business rules: no database, no clock reads, no I/O."""
