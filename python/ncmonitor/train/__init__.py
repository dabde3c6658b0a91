"""The PyTorch engine: ``python -m ncmonitor.train --config FILE.ltrun.json`` trains the same run configs as the
TypeScript trainer (src/trainer) and reports the same messages and run folder, on CUDA when available, else the CPU.

Modules by concern: ``config`` (reading and checking a run config), ``data`` (datasets, long tail, preprocessing),
``models``, ``methods`` (losses and fixed classifiers), ``optim`` (optimiser and learning-rate schedule), ``loop``
(epochs, evaluation, stop), ``run_folder``, ``progress`` (terminal lines) and ``cli``.
"""
