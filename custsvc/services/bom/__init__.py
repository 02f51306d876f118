"""Bills of materials: template BOMs of product models with dated versions (``templates``), and each
service object's own BOM as maintained, versioned by its history (``objects``)."""
