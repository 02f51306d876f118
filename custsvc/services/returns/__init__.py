"""Returns (RMA): setup lists, return orders and their lines."""
