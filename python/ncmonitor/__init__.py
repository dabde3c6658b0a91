"""Neural Collapse Monitor for PyTorch: an attach client, streaming NC metrics, feature hooks and a training engine.

The client (``ncmonitor.client``) uses the standard library only; the metrics, hooks and engine need PyTorch.
"""

__version__ = "0.1.0"
