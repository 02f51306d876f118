"""Repairs: the code lists and repair stages (``codes``), repair lines on service orders
(``lines``), their warranty (``warranty``), part swaps and the order lines that belong to a repair
(``swaps``), reading them (``reading``: list, show, history), the failure report (``report``) and how
they plug into orders, objects and invoices (``hooks``)."""
