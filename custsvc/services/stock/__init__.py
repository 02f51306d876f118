"""Parts stock and serial numbers: the ledger of movements (``ledger``), the stock commands' services,
each unit's life (``serials``), and how posting an order's item lines takes parts from the shelf
(``hooks``, registered by ``custsvc.bootstrap``)."""
