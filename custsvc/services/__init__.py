"""Use cases: plain functions taking the command's unit of work (``custsvc.context.Context``) and
plain values, returning plain records and raising domain errors.

Services ``flush()``; the command's context commits at the end or rolls back on any error.
"""
