"""Use cases: plain functions taking a session and plain values, raising domain errors.

Services ``flush()``; the command's session scope commits or rolls back.
"""
